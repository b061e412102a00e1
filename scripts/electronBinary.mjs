// Where the Electron binary is, or null, without triggering electron's on-demand download
// (which fails offline with a stack trace). Honours ELECTRON_OVERRIDE_DIST_PATH like electron does.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export function findElectronBinary(root) {
  const pkg = join(root, 'node_modules', 'electron')
  const pathFile = join(pkg, 'path.txt')
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : process.platform === 'win32' ? 'electron.exe' : 'electron'
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(pkg, 'dist')
  const full = join(dist, executable)
  return existsSync(full) ? full : null
}
