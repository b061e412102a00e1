// `npm start`: build, then launch the Electron app; where no Electron runtime exists, say so in one
// line and serve the same UI headless (printing the URL to open).
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { findElectronBinary } from './electronBinary.mjs'
import { ensureElectronSqlite } from './electronNative.mjs'

const root = new URL('..', import.meta.url).pathname

const build = spawnSync(process.execPath, [join(root, 'scripts', 'ensure-built.mjs')], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)

const extra = process.argv.slice(2)
const serveHeadless = (why) => {
  process.stdout.write(`${why}; serving the same UI headless instead (open the URL below in a browser).\n`)
  return spawn(process.execPath, [join(root, 'bin', 'warden.mjs'), 'serve', '--port', process.env.PORT ?? '0', ...extra], { stdio: 'inherit' })
}
let child
const electron = findElectronBinary(root)
if (!electron) child = serveHeadless('No Electron runtime on this machine')
else {
  let binding = null
  try {
    binding = await ensureElectronSqlite(root)
  } catch (error) {
    child = serveHeadless(`Could not build the database module for Electron (${error.message.split('\n')[0]})`)
  }
  if (binding) child = spawn(electron, [root, ...extra], { stdio: 'inherit', env: { ...process.env, WARDEN_SQLITE_BINDING: binding } })
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
