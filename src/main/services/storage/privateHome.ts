import * as fs from 'node:fs'
import * as path from 'node:path'

/**
 * Warden's home holds secrets (the server token, chat history): it is created readable by the user
 * only (0700), and a home an older Warden created open to others (it holds `warden.db`) is closed.
 * A folder the user chose that is not Warden's own (no `warden.db` yet) keeps its mode.
 */
export function ensurePrivateHome(home: string): void {
  let existed = true
  try {
    fs.mkdirSync(home, { mode: 0o700 })
    existed = false
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      fs.mkdirSync(path.dirname(home), { recursive: true })
      fs.mkdirSync(home, { mode: 0o700 })
      existed = false
    } else if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  if (process.platform === 'win32') return
  const st = fs.statSync(home)
  if (!st.isDirectory()) throw Object.assign(new Error(`The Warden home ${home} is not a folder`), { code: 'ENOTDIR' })
  const ours = typeof process.getuid !== 'function' || st.uid === process.getuid()
  if (ours && (st.mode & 0o077) !== 0 && (!existed || fs.existsSync(path.join(home, 'warden.db')))) fs.chmodSync(home, 0o700)
}

/** A file that holds secrets: created (or tightened to) 0600 before anything is written to it. */
export function ensurePrivateFile(file: string): void {
  if (process.platform === 'win32') return
  const fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_RDWR | fs.constants.O_NOFOLLOW, 0o600)
  try {
    if ((fs.fstatSync(fd).mode & 0o077) !== 0) fs.fchmodSync(fd, 0o600)
  } finally {
    fs.closeSync(fd)
  }
}
