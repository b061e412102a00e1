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

interface Pending {
  target: string
  kind: 'file' | 'dir' | 'symlink'
  mode: number
  mtime: Date | undefined
  data?: Buffer
  link?: string
}

/**
 * Extract a .tgz into an empty folder in one pass, checking every entry as it comes (the same checks
 * as `inspectArchive`) and writing each file with its exact mode and mtime. On any refusal it throws;
 * the caller removes the folder, so nothing reaches the active tree.
 *
 * Each 1 MB of inflated tar becomes entries that are written with synchronous calls before the next
 * chunk: a few ms of work per slice, and much faster than a thread-pool round trip for each
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
  const dirs: Pending[] = []
  let queue: Pending[] = []
  let packageJson: Buffer | null = null

  const ensureDir = (dir: string) => {
    if (madeDirs.has(dir)) return
    fs.mkdirSync(dir, { recursive: true })
    madeDirs.add(dir)
  }
  const writeQueued = () => {
    for (const p of queue) {
      if (p.kind === 'dir') {
        ensureDir(p.target)
        dirs.push(p)
      } else if (p.kind === 'symlink') {
        ensureDir(path.dirname(p.target))
        fs.symlinkSync(p.link ?? '', p.target)
      } else {
        ensureDir(path.dirname(p.target))
        const fd = fs.openSync(p.target, 'wx', p.mode)
        try {
          fs.writeSync(fd, p.data!)
          // open() applied the umask; set the exact mode only where that changed it.
          if ((p.mode & ~umask) !== p.mode || p.mode > 0o777) fs.fchmodSync(fd, p.mode)
          if (p.mtime) fs.futimesSync(fd, p.mtime, p.mtime)
        } finally {
          fs.closeSync(fd)
        }
      }
    }
    queue = []
  }

  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      const checked = checker.check(entry)
      if (!checked) return entry.resume()
      const target = path.join(into, ...checked.rel.split('/'))
      const mode = (entry.mode ?? (checked.kind === 'dir' ? 0o755 : 0o644)) & modeMask
      if (checked.kind !== 'file') {
        queue.push({ target, kind: checked.kind, mode, mtime: entry.mtime, link: entry.linkpath })
        return entry.resume()
      }
      const chunks: Buffer[] = []
      entry.on('data', (c: Buffer) => chunks.push(c))
      entry.on('end', () => {
        const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
        if (checked.rel === 'package.json') packageJson = data
        queue.push({ target, kind: 'file', mode, mtime: entry.mtime, data })
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
        if (checker.problem || parseError) return
        writeQueued()
      }
    })
    if (!checker.problem && !parseError) {
      await new Promise<void>((resolve) => {
        parser.once('end', () => resolve())
        parser.end()
      })
      writeQueued()
    }
  } catch (error) {
    parseError ??= error
  }
  if (checker.problem || (!parseError && checker.finish())) throw checker.problem!
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
