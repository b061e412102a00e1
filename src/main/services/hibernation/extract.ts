import * as fs from 'node:fs'
import * as path from 'node:path'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'
import * as tar from 'tar'
import { WardenError } from '../../../shared/errors'
import { DEFAULT_LIMITS, EntryChecker, type ArchiveLimits } from './entryChecks'

export interface Extracted {
  fileCount: number
  unpackedSize: number
  packageJson: Record<string, unknown> | null
}

/** Like node-tar: more than 1000x inflation (past the first MBs) is a gzip bomb. */
const MAX_RATIO = 1000
const MAX_RATIO_FLOOR = 16 * 1024 * 1024

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
 * Each 1 MB of inflated tar is written with synchronous calls before the next chunk: a few ms of
 * work per slice, and much faster than a thread-pool round trip for each open/write/utimes/close of
 * every small file.
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
      })
      const keep = checked.rel === 'package.json' ? ([] as Buffer[]) : null
      entry.on('data', (c: Buffer) => {
        keep?.push(c)
        if (fd !== null) guard(() => fs.writeSync(fd!, c))
      })
      entry.on('end', () => {
        if (keep) packageJson = Buffer.concat(keep)
        if (fd === null) return
        const handle = fd
        fd = null
        guard(() => {
          try {
            // open() applied the umask; set the exact mode only where that changed it.
            if ((mode & ~umask) !== mode || mode > 0o777) fs.fchmodSync(handle, mode)
            if (entry.mtime) fs.futimesSync(handle, entry.mtime, entry.mtime)
          } finally {
            fs.closeSync(handle)
          }
        })
      })
    },
  })
  let parseError: unknown = null
  parser.on('error', (e: unknown) => (parseError ??= e))
  // gunzip runs on the thread pool, in parallel with parsing and writing here (as `tar -xzf` pipes
  // gzip into tar); the ratio check stands in for node-tar's own gzip-bomb guard.
  let compressed = 0
  let inflated = 0
  const source = fs.createReadStream(archive, { highWaterMark: 1 << 20 })
  source.on('data', (c) => (compressed += c.length))
  try {
    await pipeline(source, zlib.createGunzip({ chunkSize: 1 << 20 }), async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) {
        inflated += chunk.length
        if (!options.trusted && inflated > MAX_RATIO_FLOOR && inflated > compressed * MAX_RATIO) throw (parseError ??= new Error('decompression ratio exceeded'))
        parser.write(chunk)
        if (checker.problem || parseError || writeError) return
      }
    })
    if (!checker.problem && !parseError && !writeError) {
      await new Promise<void>((resolve) => {
        parser.once('end', () => resolve())
        parser.end()
      })
    }
  } catch (error) {
    parseError ??= error
  }
  if (checker.problem || (!parseError && checker.finish())) throw checker.problem!
  if (parseError) throw parseError instanceof WardenError ? parseError : checker.readError(parseError)
  if (writeError) throw writeError
  // Folder modes and times last, deepest first, so writing into them was never blocked.
  dirs.sort((a, b) => b.target.length - a.target.length)
  for (const d of dirs) {
    fs.chmodSync(d.target, d.mode)
    if (d.mtime) fs.utimesSync(d.target, d.mtime, d.mtime)
  }
  const pkg = packageJson as Buffer | null
  return { fileCount: checker.fileCount, unpackedSize: checker.unpackedSize, packageJson: pkg ? (JSON.parse(pkg.toString('utf8')) as Record<string, unknown>) : null }
}
