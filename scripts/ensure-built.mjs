// Builds Warden when out/ is missing or older than the sources (for `npm run serve` and `npm run bench`).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const built = join(root, 'out', 'main', 'cli.js')

function newest(dir) {
  let t = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

if (!existsSync(built) || !existsSync(join(root, 'out', 'renderer', 'index.html')) || newest(join(root, 'src')) > statSync(built).mtimeMs) {
  process.stderr.write('Building Warden (electron-vite build)…\n')
  const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
