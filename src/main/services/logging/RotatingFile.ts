import * as fs from 'node:fs'
import * as path from 'node:path'

export interface RotationLimits {
  /** A file is rotated once it reaches this size. */
  maxBytes: number
  /** Rotated files kept beside the current one (`name.1` newest … `name.<keep>` oldest). */
  keep: number
}

/** The files of one log, newest first: `name`, `name.1`, … `name.<keep>`. */
export function rotationFiles(file: string, keep: number): string[] {
  return [file, ...Array.from({ length: keep }, (_, i) => `${file}.${i + 1}`)]
}

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0
const NONBLOCK = fs.constants.O_NONBLOCK ?? 0
/** A claimed file left by a process that died while rotating is swept after this long. */
const STALE_CLAIM_MS = 60_000

/**
 * An append-only log file, created 0600, rotated when it reaches `maxBytes`, shared safely by
 * several processes (the app, a server, CLI commands). Writes are synchronous (`O_APPEND`, one
 * `write` per entry), so nothing is lost when a CLI command exits at once.
 *
 * Rotation is done by whichever writer finds the file too big. It claims the file with one atomic
 * rename to a name of its own (only one process can rename a given file away), then shifts the
 * older files and renames its claim to `name.1`. A writer whose open file was rotated away by
 * another process notices it at its next write (the file it holds is too big and is no longer
 * `name`) and reopens `name`. So every file stays under `maxBytes` plus one entry per writer, and
 * the log under `(keep + 1)` files, whatever the processes do at once.
 */
export class RotatingFile {
  private fd: number | null = null
  private reportedFailure = false

  constructor(
    readonly file: string,
    private readonly limits: RotationLimits,
    /** Told once when the log cannot be written (a full disk, a folder not ours); logging never throws. */
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {}

  write(text: string): void {
    try {
      const fd = this.open()
      fs.writeSync(fd, text)
      if (fs.fstatSync(fd).size >= this.limits.maxBytes) this.rotate(fd)
      this.reportedFailure = false
    } catch (error) {
      this.closeFd()
      if (!this.reportedFailure) this.onFailure(error)
      this.reportedFailure = true
    }
  }

  close(): void {
    this.closeFd()
  }

  private open(): number {
    if (this.fd !== null) return this.fd
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 })
    // Never blocks (a FIFO put in its place would, forever) and never writes anything but a file.
    const fd = fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | NOFOLLOW | NONBLOCK, 0o600)
    if (!fs.fstatSync(fd).isFile()) {
      fs.closeSync(fd)
      throw new Error(`${this.file} is not a regular file`)
    }
    // A file created by someone else (or an older Warden) with a looser mode is closed to others.
    if (process.platform !== 'win32' && (fs.fstatSync(fd).mode & 0o077) !== 0) fs.fchmodSync(fd, 0o600)
    this.fd = fd
    return fd
  }

  private closeFd(): void {
    if (this.fd === null) return
    const fd = this.fd
    this.fd = null
    try {
      fs.closeSync(fd)
    } catch {
      // already closed: nothing is lost, the next write opens the file again
    }
  }

  private rotate(fd: number): void {
    const held = fs.fstatSync(fd)
    this.closeFd()
    let current: fs.Stats | null = null
    try {
      current = fs.statSync(this.file)
    } catch {
      // gone: another writer is rotating it right now
    }
    // Another process rotated the file we held: just write to the new one from now on.
    if (!current || current.ino !== held.ino || current.dev !== held.dev) return void this.open()
    const claim = `${this.file}.${process.pid}-${Date.now()}.rotating`
    try {
      fs.renameSync(this.file, claim)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return void this.open() // another writer claimed it first
      throw error
    }
    const files = rotationFiles(this.file, this.limits.keep)
    if (this.limits.keep === 0) fs.rmSync(claim, { force: true })
    else {
      for (let i = files.length - 2; i >= 1; i--) renameIfThere(files[i], files[i + 1])
      fs.renameSync(claim, files[1])
    }
    this.sweepStaleClaims()
    // The new file at once: the log always has its current file, even when nothing follows.
    this.open()
  }

  /** Claims left by a process that died between its claim and its last rename. */
  private sweepStaleClaims(): void {
    const dir = path.dirname(this.file)
    const prefix = `${path.basename(this.file)}.`
    for (const name of fs.readdirSync(dir)) {
      if (!name.startsWith(prefix) || !name.endsWith('.rotating')) continue
      const file = path.join(dir, name)
      try {
        if (Date.now() - fs.statSync(file).mtimeMs > STALE_CLAIM_MS) fs.rmSync(file, { force: true })
      } catch {
        // swept by another writer at the same time
      }
    }
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    fs.renameSync(from, to)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}
