import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as tar from 'tar'
import { WardenError } from '../../../shared/errors'
import { fsyncPath } from '../fs/atomic'
import type { Tree, TreeEntry } from '../workspace/walk'

/** npm's layout: every entry under `package/`. */
export const PACKAGE_PREFIX = 'package'

export interface ArchiveLimits {
  /** Refuse archives whose files add up to more than this. Defaults to 4 GiB. */
  maxUnpackedBytes: number
  /** Refuse archives with more entries than this. Defaults to 500,000. */
  maxEntries: number
}

export const DEFAULT_LIMITS: ArchiveLimits = { maxUnpackedBytes: 4 * 1024 ** 3, maxEntries: 500_000 }

export type Progress = (fraction: number | null, message: string) => void

/** One entry's fingerprint: what must match between a module on disk and its archive. */
interface Fingerprint {
  type: TreeEntry['type']
  size: number
  mode: number
  sha256?: string
  linkTarget?: string
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Run `fn` over items with at most `limit` at once. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i])
      }
    }),
  )
  return out
}

/** Refuse links that would leave the module once woken: nothing outside it would come back with it. */
export function checkLinksStayInside(tree: Tree): void {
  for (const e of tree.entries) {
    if (e.type !== 'symlink') continue
    const target = e.linkTarget ?? ''
    if (path.posix.isAbsolute(target) || path.win32.isAbsolute(target) || escapes(path.posix.join(path.posix.dirname(e.rel), target))) {
      throw new WardenError('UNSAFE_ARCHIVE', `${e.rel} is a link to ${target}, outside the module; it would not be restorable`, {
        hint: 'Replace the link with a copy of what it points to, or a link inside the module.',
      })
    }
  }
}

function escapes(normalRel: string): boolean {
  const n = path.posix.normalize(normalRel)
  return n === '..' || n.startsWith('../') || path.posix.isAbsolute(n)
}

export interface PackResult {
  sha256: string
  size: number
}

/**
 * Pack a module folder into an npm-pack-compatible .tgz (entries under `package/`) holding every
 * entry of `tree` with its mode, and fsync it. The sha256 of the .tgz is computed while writing.
 */
export async function packTree(root: string, tree: Tree, outFile: string, options: { gzipLevel?: number; onProgress?: Progress } = {}): Promise<PackResult> {
  const list = tree.entries.map((e) => e.rel)
  const hash = createHash('sha256')
  let size = 0
  let written = 0
  const total = Math.max(1, tree.totalSize)
  let lastReport = 0
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    },
  })
  const packer = tar.create(
    {
      cwd: root,
      prefix: PACKAGE_PREFIX,
      gzip: { level: options.gzipLevel ?? 6 },
      portable: true,
      noDirRecurse: true,
      onWriteEntry: (entry) => {
        written += entry.stat?.size ?? 0
        const now = Date.now()
        if (options.onProgress && now - lastReport > 100) {
          lastReport = now
          options.onProgress(Math.min(1, written / total), `packing ${entry.path}`)
        }
      },
    },
    list,
  )
  await pipeline(packer as unknown as NodeJS.ReadableStream, counter, createWriteStream(outFile, { flags: 'wx' }))
  await fsyncPath(outFile)
  return { sha256: hash.digest('hex'), size }
}

/**
 * Read an archive back and compare every entry (type, size, mode, content hash, link text) with the
 * module on disk. Throws naming the first difference. This is what lets us remove the source.
 */
export async function verifyArchiveAgainstTree(archive: string, root: string, tree: Tree): Promise<void> {
  const expected = new Map<string, Fingerprint>()
  const files = tree.entries.filter((e) => e.type === 'file')
  const hashes = await mapLimit(files, 8, (e) => hashFile(path.join(root, ...e.rel.split('/'))))
  files.forEach((e, i) => expected.set(e.rel, { type: 'file', size: e.size, mode: e.mode, sha256: hashes[i] }))
  for (const e of tree.entries) {
    if (e.type !== 'file') expected.set(e.rel, { type: e.type, size: 0, mode: e.mode, linkTarget: e.linkTarget })
  }
  const seen = new Set<string>()
  const mismatches: string[] = []
  await tar.t({
    file: archive,
    strict: true,
    onReadEntry: (entry) => {
      const rel = entry.path.replace(/\/$/, '').slice(PACKAGE_PREFIX.length + 1)
      const want = expected.get(rel)
      seen.add(rel)
      if (!want) {
        mismatches.push(`${rel}: in the archive but not in the module`)
        entry.resume()
        return
      }
      const type = entry.type === 'Directory' ? 'dir' : entry.type === 'SymbolicLink' ? 'symlink' : 'file'
      if (type !== want.type) mismatches.push(`${rel}: type ${type}, expected ${want.type}`)
      if (type !== 'symlink' && ((entry.mode ?? 0) & 0o7777) !== want.mode) mismatches.push(`${rel}: mode ${(entry.mode ?? 0).toString(8)}, expected ${want.mode.toString(8)}`)
      if (type === 'symlink' && entry.linkpath !== want.linkTarget) mismatches.push(`${rel}: link target differs`)
      if (type === 'file') {
        const h = createHash('sha256')
        entry.on('data', (c: Buffer) => h.update(c))
        entry.on('end', () => {
          if (h.digest('hex') !== want.sha256) mismatches.push(`${rel}: content differs`)
        })
      } else {
        entry.resume()
      }
    },
  })
  for (const rel of expected.keys()) if (!seen.has(rel)) mismatches.push(`${rel}: missing from the archive`)
  if (mismatches.length) {
    throw new WardenError('CHECKSUM_MISMATCH', `The archive does not match the module (${mismatches.length} difference(s); first: ${mismatches[0]})`, {
      hint: 'The module was left in place. Was it being edited during hibernation? Try again.',
      details: mismatches.slice(0, 20),
    })
  }
}

export interface InspectedArchive {
  /** The single top-level folder (`package` for npm tarballs). */
  topDir: string
  fileCount: number
  unpackedSize: number
  packageJson: Record<string, unknown>
  entries: number
}

/**
 * Check an archive from anywhere before anything is written: every entry under one top folder, no
 * `..`, no absolute paths, no links leaving the package, no hard links or devices, a bounded size,
 * a package.json at the top. Throws `UNSAFE_ARCHIVE` naming the entry.
 */
export async function inspectArchive(archive: string, limits: ArchiveLimits = DEFAULT_LIMITS): Promise<InspectedArchive> {
  let topDir: string | null = null
  let fileCount = 0
  let unpackedSize = 0
  let entries = 0
  let packageJson: Buffer | null = null
  let problem: WardenError | null = null
  const refuse = (message: string) => {
    problem ??= new WardenError('UNSAFE_ARCHIVE', `Refused ${path.basename(archive)}: ${message}`, {
      hint: 'Nothing was written. Only wake archives you trust; npm pack tarballs are accepted.',
    })
  }
  try {
    await tar.t({
      file: archive,
      strict: true,
      onReadEntry: (entry) => {
        entries++
        const raw = entry.path
        if (problem) return entry.resume()
        if (entries > limits.maxEntries) return refuse(`more than ${limits.maxEntries} entries`), entry.resume()
        if (raw.includes('\\') || raw.includes('\0')) return refuse(`entry ${JSON.stringify(raw)} has a backslash or NUL in its path`), entry.resume()
        if (path.posix.isAbsolute(raw) || /^[a-zA-Z]:/.test(raw)) return refuse(`entry ${JSON.stringify(raw)} has an absolute path`), entry.resume()
        const parts = raw.split('/').filter((p) => p !== '' && p !== '.')
        if (parts.includes('..')) return refuse(`entry ${JSON.stringify(raw)} climbs out with ".."`), entry.resume()
        if (parts.length === 0) return entry.resume()
        if (topDir === null) topDir = parts[0]
        else if (parts[0] !== topDir) return refuse(`entries under more than one top folder (${topDir}/ and ${parts[0]}/)`), entry.resume()
        const rel = parts.slice(1).join('/')
        switch (entry.type) {
          case 'File':
          case 'OldFile':
          case 'ContiguousFile':
            fileCount++
            unpackedSize += entry.size ?? 0
            if (unpackedSize > limits.maxUnpackedBytes) return refuse(`it unpacks to more than ${limits.maxUnpackedBytes} bytes`), entry.resume()
            if (rel === 'package.json') {
              const chunks: Buffer[] = []
              entry.on('data', (c: Buffer) => chunks.push(c))
              entry.on('end', () => (packageJson = Buffer.concat(chunks)))
              return
            }
            break
          case 'Directory':
            break
          case 'SymbolicLink': {
            const target = entry.linkpath ?? ''
            if (path.posix.isAbsolute(target) || /^[a-zA-Z]:/.test(target) || escapes(path.posix.join(path.posix.dirname(rel || '.'), target))) {
              return refuse(`link ${JSON.stringify(raw)} points outside the package (${target})`), entry.resume()
            }
            fileCount++
            break
          }
          case 'Link':
            return refuse(`entry ${JSON.stringify(raw)} is a hard link`), entry.resume()
          case 'CharacterDevice':
          case 'BlockDevice':
          case 'FIFO':
            return refuse(`entry ${JSON.stringify(raw)} is a device or FIFO (${entry.type})`), entry.resume()
          default:
            if (!String(entry.type).endsWith('Header') && entry.type !== 'GlobalExtendedHeader') {
              return refuse(`entry ${JSON.stringify(raw)} has an unsupported type ${entry.type}`), entry.resume()
            }
        }
        entry.resume()
      },
    })
  } catch (error) {
    if (error instanceof WardenError) throw error
    if (/decompression ratio/.test((error as Error).message)) {
      throw new WardenError('UNSAFE_ARCHIVE', `Refused ${path.basename(archive)}: it decompresses to over 1000 times its size (a gzip bomb)`, {
        hint: 'Nothing was written. Only wake archives you trust; npm pack tarballs are accepted.',
      })
    }
    throw new WardenError('UNSAFE_ARCHIVE', `${path.basename(archive)} is not a readable .tgz: ${(error as Error).message}`, {
      hint: 'Nothing was written. The file may be truncated or not a tar.gz archive.',
    })
  }
  if (problem) throw problem
  if (topDir === null) throw new WardenError('UNSAFE_ARCHIVE', `${path.basename(archive)} is empty`)
  if (!packageJson) {
    throw new WardenError('INVALID_INPUT', `${path.basename(archive)} has no package.json at ${topDir}/package.json, so it is not a module package`)
  }
  let pkg: Record<string, unknown>
  try {
    pkg = JSON.parse((packageJson as Buffer).toString('utf8')) as Record<string, unknown>
  } catch (error) {
    throw new WardenError('INVALID_INPUT', `${path.basename(archive)}: package.json is not valid JSON (${(error as Error).message})`)
  }
  return { topDir, fileCount, unpackedSize, packageJson: pkg, entries }
}

/** Extract an inspected archive into an empty folder, with modes exactly as stored. */
export async function extractArchive(archive: string, into: string, inspected: InspectedArchive): Promise<void> {
  await fsp.mkdir(into, { recursive: true })
  await tar.x({
    file: archive,
    cwd: into,
    strip: 1,
    strict: true,
    chmod: true,
    processUmask: 0,
    preserveOwner: false,
    filter: (p) => p.split('/').filter(Boolean)[0] === inspected.topDir,
  })
}
