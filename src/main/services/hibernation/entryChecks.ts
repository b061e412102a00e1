import * as path from 'node:path'
import type { ReadEntry } from 'tar'
import { WardenError } from '../../../shared/errors'

export interface ArchiveLimits {
  /** Refuse archives whose files add up to more than this. Defaults to 4 GiB. */
  maxUnpackedBytes: number
  /** Refuse archives with more entries than this. Defaults to 500,000. */
  maxEntries: number
  /**
   * Refuse archives that inflate to more than this many times their compressed size (past the first
   * 16 MB). Defaults to 200: source packages compress 3 to 20 times; only a bomb, or a module of
   * mostly empty data, goes past 200.
   */
  maxCompressionRatio: number
}

export const DEFAULT_LIMITS: ArchiveLimits = { maxUnpackedBytes: 4 * 1024 ** 3, maxEntries: 500_000, maxCompressionRatio: 200 }
/** A package.json bigger than this is not read into memory. */
export const MAX_PACKAGE_JSON_BYTES = 16 * 1024 * 1024

/** For Warden's own archives (checksum matched): as big as the module was. */
export const NO_LIMITS: ArchiveLimits = { maxUnpackedBytes: Infinity, maxEntries: Infinity, maxCompressionRatio: Infinity }

const kindName: Record<CheckedEntry['kind'], string> = { file: 'file', dir: 'folder', symlink: 'link' }

const NOTHING_WRITTEN = 'Nothing was written. Only wake archives you trust; npm pack tarballs are accepted.'

/**
 * Why a link at `rel` (inside a package) pointing to `target` is unsafe, or null. The target is
 * resolved as the file system would, one component at a time from the link's folder and through
 * the package's other links: it may not be absolute nor end up above the package — `q -> .` then
 * `p -> q/..` looks inside on paper but leads out on disk.
 */
export function linkProblem(rel: string, target: string, linkTarget: (rel: string) => string | undefined): string | null {
  if (!target) return 'an empty link'
  const absolute = (t: string) => path.posix.isAbsolute(t) || /^[a-zA-Z]:/.test(t) || t.includes('\\')
  if (absolute(target)) return `an absolute link (${target})`
  let hops = 0
  const resolve = (from: string[], t: string): string[] | string => {
    const at = [...from]
    for (const part of t.split('/')) {
      if (part === '' || part === '.') continue
      if (part === '..') {
        if (at.length === 0) return `a link pointing outside the package (${target})`
        at.pop()
        continue
      }
      at.push(part)
      const next = linkTarget(at.join('/'))
      if (next === undefined) continue
      if (++hops > 40) return `a loop of links (${target})`
      if (absolute(next)) return `a link through the absolute link ${at.join('/')}`
      const resolved = resolve(at.slice(0, -1), next)
      if (typeof resolved === 'string') return resolved
      at.splice(0, at.length, ...resolved)
    }
    return at
  }
  const result = resolve(rel.split('/').slice(0, -1), target)
  return typeof result === 'string' ? result : null
}

/** A path as a case-insensitive, unicode-normalizing file system (macOS, Windows) sees it. */
export function foldPath(rel: string): string {
  return rel.normalize('NFC').toLowerCase()
}

/** The first folder above `rel` that is a link, if any: nothing may be written through a link. */
export function linkAbove(rel: string, isLink: (rel: string) => boolean): string | null {
  const parts = rel.split('/')
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/')
    if (isLink(prefix)) return prefix
  }
  return null
}

export interface CheckedEntry {
  /** Path inside the package (top folder stripped). */
  rel: string
  kind: 'file' | 'dir' | 'symlink'
}

/**
 * The rules for an archive from anywhere, applied entry by entry: one top folder, no `..`, no
 * absolute paths, no links leaving the package, no hard links or devices, bounded size and count.
 * The first problem is kept in `problem`; later entries are skipped.
 */
export class EntryChecker {
  problem: WardenError | null = null
  topDir: string | null = null
  fileCount = 0
  unpackedSize = 0
  entries = 0
  /** Every path so far (top folder stripped) and what it is. */
  private readonly seen = new Map<string, CheckedEntry['kind']>()
  /** Links by folded path: on case-insensitive or normalizing file systems `A` and `a` are one path. */
  private readonly links = new Map<string, string>()
  private readonly isLink = (rel: string) => this.links.has(foldPath(rel))
  private readonly linkTarget = (rel: string) => this.links.get(foldPath(rel))

  constructor(
    private readonly label: string,
    private readonly limits: ArchiveLimits = DEFAULT_LIMITS,
  ) {}

  private refuse(message: string): null {
    this.problem ??= new WardenError('UNSAFE_ARCHIVE', `Refused ${this.label}: ${message}`, { hint: NOTHING_WRITTEN })
    return null
  }

  /** The entry's place in the package, or null when it is to be skipped (or refused: see `problem`). */
  check(entry: ReadEntry): CheckedEntry | null {
    if (this.problem) return null
    this.entries++
    const raw = entry.path
    const show = JSON.stringify(raw)
    if (this.entries > this.limits.maxEntries) return this.refuse(`more than ${this.limits.maxEntries} entries`)
    if (raw.includes('\\') || raw.includes('\0')) return this.refuse(`entry ${show} has a backslash or NUL in its path`)
    if (path.posix.isAbsolute(raw) || /^[a-zA-Z]:/.test(raw)) return this.refuse(`entry ${show} has an absolute path`)
    const parts = raw.split('/').filter((p) => p !== '' && p !== '.')
    if (parts.includes('..')) return this.refuse(`entry ${show} climbs out with ".."`)
    if (parts.length === 0) return null
    if (this.topDir === null) this.topDir = parts[0]
    else if (parts[0] !== this.topDir) return this.refuse(`entries under more than one top folder (${this.topDir}/ and ${parts[0]}/)`)
    const rel = parts.slice(1).join('/')
    const through = linkAbove(rel, this.isLink)
    if (through) return this.refuse(`entry ${show} would be written through the link ${through}`)
    const inFile = linkAbove(rel, (r) => this.seen.get(r) === 'file')
    if (inFile) return this.refuse(`entry ${show} would be written inside the file ${this.topDir}/${inFile}`)
    const checked = this.checkType(entry, rel, show)
    if (!checked) return null
    // The same path twice: the second would silently replace the first (and `tar -x` and npm would
    // keep different ones). A folder listed twice is harmless.
    const earlier = this.seen.get(rel)
    if (earlier !== undefined && !(earlier === 'dir' && checked.kind === 'dir')) {
      return this.refuse(`the path ${JSON.stringify(`${this.topDir}/${rel}`)} appears twice in the archive (as a ${kindName[earlier]}, then as a ${kindName[checked.kind]})`)
    }
    this.seen.set(rel, checked.kind)
    return checked
  }

  private checkType(entry: ReadEntry, rel: string, show: string): CheckedEntry | null {
    switch (entry.type) {
      case 'File':
      case 'OldFile':
      case 'ContiguousFile':
        if (!rel) return this.refuse(`entry ${show} is a file in place of the package folder`)
        this.fileCount++
        this.unpackedSize += entry.size ?? 0
        if (this.unpackedSize > this.limits.maxUnpackedBytes) return this.refuse(`it unpacks to more than ${this.limits.maxUnpackedBytes} bytes`)
        return { rel, kind: 'file' }
      case 'Directory':
        return rel ? { rel, kind: 'dir' } : null
      case 'SymbolicLink': {
        const target = entry.linkpath ?? ''
        const problem = rel ? linkProblem(rel, target, this.linkTarget) : 'a link in place of the package folder'
        if (problem) return this.refuse(`${show} is ${problem}`)
        this.links.set(foldPath(rel), target)
        this.fileCount++
        return { rel, kind: 'symlink' }
      }
      case 'Link':
        return this.refuse(`entry ${show} is a hard link`)
      case 'CharacterDevice':
      case 'BlockDevice':
      case 'FIFO':
        return this.refuse(`entry ${show} is a device or FIFO (${entry.type})`)
      default:
        if (String(entry.type).endsWith('Header') || entry.type === 'GlobalExtendedHeader') return null
        return this.refuse(`entry ${show} has an unsupported type ${entry.type}`)
    }
  }

  /**
   * Checks that need every entry: each link is resolved again once all links are known (through
   * links that came later in the archive). Call after the last entry; sets and returns `problem`.
   */
  finish(): WardenError | null {
    for (const [rel, target] of this.links) {
      const problem = linkProblem(rel, target, this.linkTarget)
      if (problem) {
        this.refuse(`${JSON.stringify(rel)} is ${problem}`)
        break
      }
    }
    return this.problem
  }

  /** An error for an archive that cannot be read at all. */
  readError(error: unknown): WardenError {
    if (error instanceof WardenError) return error
    const message = (error as Error)?.message ?? String(error)
    return new WardenError('UNSAFE_ARCHIVE', `${this.label} is not a readable .tgz: ${message}`, {
      hint: 'Nothing was written. The file may be truncated or not a tar.gz archive.',
    })
  }
}
