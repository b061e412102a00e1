import * as path from 'node:path'
import type { ReadEntry } from 'tar'
import { WardenError } from '../../../shared/errors'

export interface ArchiveLimits {
  /** Refuse archives whose files add up to more than this. Defaults to 4 GiB. */
  maxUnpackedBytes: number
  /** Refuse archives with more entries than this. Defaults to 500,000. */
  maxEntries: number
}

export const DEFAULT_LIMITS: ArchiveLimits = { maxUnpackedBytes: 4 * 1024 ** 3, maxEntries: 500_000 }

const NOTHING_WRITTEN = 'Nothing was written. Only wake archives you trust; npm pack tarballs are accepted.'

/** Whether a relative POSIX path leaves its root. */
export function escapes(normalRel: string): boolean {
  const n = path.posix.normalize(normalRel)
  return n === '..' || n.startsWith('../') || path.posix.isAbsolute(n)
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
        if (path.posix.isAbsolute(target) || /^[a-zA-Z]:/.test(target) || escapes(path.posix.join(path.posix.dirname(rel || '.'), target))) {
          return this.refuse(`link ${show} points outside the package (${target})`)
        }
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

  /** An error for an archive that cannot be read at all. */
  readError(error: unknown): WardenError {
    if (error instanceof WardenError) return error
    const message = (error as Error)?.message ?? String(error)
    if (/decompression ratio/.test(message)) {
      return new WardenError('UNSAFE_ARCHIVE', `Refused ${this.label}: it decompresses to over 1000 times its size (a gzip bomb)`, { hint: NOTHING_WRITTEN })
    }
    return new WardenError('UNSAFE_ARCHIVE', `${this.label} is not a readable .tgz: ${message}`, {
      hint: 'Nothing was written. The file may be truncated or not a tar.gz archive.',
    })
  }
}
