// `npm start`: build, then launch the Electron app; where no Electron runtime exists, say so in one
// line and serve the same UI headless (printing the URL to open).
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { findElectronBinary } from './electronBinary.mjs'

const root = new URL('..', import.meta.url).pathname

const build = spawnSync(process.execPath, [join(root, 'scripts', 'ensure-built.mjs')], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)

const extra = process.argv.slice(2)
const electron = findElectronBinary(root)
const child = electron
  ? spawn(electron, [root, ...extra], { stdio: 'inherit' })
  : (process.stdout.write('No Electron runtime on this machine; serving the same UI headless instead (open the URL below in a browser).\n'),
    spawn(process.execPath, [join(root, 'bin', 'warden.mjs'), 'serve', '--port', process.env.PORT ?? '0', ...extra], { stdio: 'inherit' }))
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
