import * as fs from 'node:fs'
import * as path from 'node:path'
import * as tar from 'tar'
import { WardenError } from '../../../shared/errors'
import { DEFAULT_LIMITS, EntryChecker, MAX_PACKAGE_JSON_BYTES, type ArchiveLimits } from './entryChecks'
import { pumpTarGz } from './tarStream'

export interface Extracted {
  fileCount: number
  unpackedSize: number
  packageJson: Record<string, unknown> | null
}

let cachedUmask: number | null = null
/** The process umask, found once by creating a file (process.umask() without arguments is deprecated). */
function effectiveUmask(dir: string): number {
  if (cachedUmask !== null) return cachedUmask
  const probe = path.join(dir, `.warden-umask-probe-${process.pid}`)
  fs.writeFileSync(probe, '', { mode: 0o777 })
  cachedUmask = ~fs.statSync(probe).mode & 0o777
  fs.rmSync(probe)
  return cachedUmask
}

/**
 * Extract a .tgz into an empty folder in one pass, checking every entry as it comes (the same checks
 * as `inspectArchive`) and writing each file with its exact mode and mtime. On any refusal it throws;
 * the caller removes the folder, so nothing reaches the active tree.
 *
 * Each slice of inflated tar (64 KB) is written with synchronous calls before the next one: a few
 * ms of work per slice, and much faster than a thread-pool round trip for each
 * open/write/utimes/close of every small file.
 */
export async function extractInto(
  archive: string,
  into: string,
  options: { limits?: ArchiveLimits; trusted?: boolean } = {},
): Promise<Extracted> {
  const limits = options.limits ?? DEFAULT_LIMITS
  // setuid/setgid bits from an archive of unknown origin are dropped.
  const modeMask = options.trusted ? 0o7777 : 0o1777
  fs.mkdirSync(into, { recursive: true })
  const umask = effectiveUmask(into)
  const checker = new EntryChecker(path.basename(archive), limits)
  const madeDirs = new Set<string>([into])
  const dirs: Array<{ target: string; mode: number; mtime: Date | undefined }> = []
  let packageJson: Buffer | null = null
  let writeError: unknown = null
  const openFds = new Set<number>()

  const ensureDir = (dir: string) => {
    if (madeDirs.has(dir)) return
    fs.mkdirSync(dir, { recursive: true })
    madeDirs.add(dir)
  }
  // Everything is written from the parser's callbacks, with synchronous calls: each chunk of
  // inflated tar is fully written before the next one is read, and a file of any size streams
  // straight to disk.
  const guard = (fn: () => void) => {
    if (writeError) return
    try {
      fn()
    } catch (error) {
      writeError = error
    }
  }

  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      const checked = checker.check(entry)
      if (!checked || writeError) return entry.resume()
      const target = path.join(into, ...checked.rel.split('/'))
      const mode = (entry.mode ?? (checked.kind === 'dir' ? 0o755 : 0o644)) & modeMask
      if (checked.kind === 'dir') {
        guard(() => ensureDir(target))
        dirs.push({ target, mode, mtime: entry.mtime })
        return entry.resume()
      }
      if (checked.kind === 'symlink') {
        guard(() => {
          ensureDir(path.dirname(target))
          fs.symlinkSync(entry.linkpath ?? '', target)
        })
        return entry.resume()
      }
      let fd: number | null = null
      guard(() => {
        ensureDir(path.dirname(target))
        fd = fs.openSync(target, 'wx', mode)
        openFds.add(fd)
      })
      const keep = checked.rel === 'package.json' && (entry.size ?? 0) <= MAX_PACKAGE_JSON_BYTES ? ([] as Buffer[]) : null
      entry.on('data', (c: Buffer) => {
        keep?.push(c)
        if (fd !== null) guard(() => fs.writeSync(fd!, c))
      })
      entry.on('end', () => {
        if (keep) packageJson = Buffer.concat(keep)
        if (fd === null) return
        const handle = fd
        fd = null
        openFds.delete(handle)
        try {
          // open() applied the umask; set the exact mode only where that changed it.
          guard(() => {
            if ((mode & ~umask) !== mode || mode > 0o777) fs.fchmodSync(handle, mode)
            if (entry.mtime) fs.futimesSync(handle, entry.mtime, entry.mtime)
          })
        } finally {
          fs.closeSync(handle)
        }
      })
    },
  })
  let parseError: unknown = null
  parser.on('error', (e: unknown) => (parseError ??= e))
  try {
    // Inflated and parsed a slice at a time; inflation counted as it flows (see pumpTarGz).
    await pumpTarGz(archive, parser, {
      label: path.basename(archive),
      limits: options.trusted ? null : limits,
      stop: () => checker.problem !== null || parseError !== null || writeError !== null,
    })
  } catch (error) {
    parseError ??= error
  } finally {
    // Files cut off mid-way by a refusal (their entry never ended).
    for (const fd of openFds) fs.closeSync(fd)
  }
  if (checker.problem || (!parseError && !writeError && checker.finish())) throw checker.problem!
  // A write that failed is the real reason the read stopped.
  if (writeError) throw describeWriteError(writeError, into, path.basename(archive))
  if (parseError) throw parseError instanceof WardenError ? parseError : checker.readError(parseError)
  // Folder modes and times last, deepest first, so writing into them was never blocked.
  dirs.sort((a, b) => b.target.length - a.target.length)
  for (const d of dirs) {
    fs.chmodSync(d.target, d.mode)
    if (d.mtime) fs.utimesSync(d.target, d.mtime, d.mtime)
  }
  const pkg = packageJson as Buffer | null
  return { fileCount: checker.fileCount, unpackedSize: checker.unpackedSize, packageJson: pkg ? (JSON.parse(pkg.toString('utf8')) as Record<string, unknown>) : null }
}

/**
 * A failed write, as the person needs it: a name taken twice (on a case-insensitive or normalizing
 * file system, `A` and `a` are one file) is the archive's fault; anything else is the disk's.
 */
function describeWriteError(error: unknown, into: string, label: string): unknown {
  const e = error as NodeJS.ErrnoException
  const rel = e.path ? path.relative(into, e.path) : '?'
  if (e.code === 'EEXIST' || e.code === 'ENOTDIR' || e.code === 'EISDIR') {
    return new WardenError('UNSAFE_ARCHIVE', `Refused ${label}: two entries end up at the same place (${JSON.stringify(rel)}); on this file system names that differ only in case or accents are one name`, {
      hint: 'Nothing was written. Wake it on a case-sensitive file system, or ask its author to rename one of the files.',
    })
  }
  return error
}
