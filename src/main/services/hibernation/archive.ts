import { createHash } from 'node:crypto'
import * as path from 'node:path'
import * as tar from 'tar'
import { WardenError } from '../../../shared/errors'
import { walkTree, type Tree, type TreeEntry } from '../workspace/walk'
import { DEFAULT_LIMITS, EntryChecker, linkProblem, MAX_PACKAGE_JSON_BYTES, type ArchiveLimits } from './entryChecks'
import { pumpTarGz } from './tarStream'

/** npm's layout: every entry under `package/`. */
export const PACKAGE_PREFIX = 'package'

/**
 * Refuse links that wake would refuse (see linkProblem): one leaving the module would not bring back
 * what it points to. Checked before hibernating, so every hibernated module can be woken.
 */
export function checkLinksStayInside(tree: Tree): void {
  const links = new Map(tree.entries.filter((e) => e.type === 'symlink').map((e) => [e.rel, e.linkTarget ?? '']))
  for (const [rel, target] of links) {
    const problem = linkProblem(rel, target, (r) => links.get(r))
    if (problem) {
      throw new WardenError('UNSAFE_ARCHIVE', `${rel} is ${problem}; the module could not be woken safely`, {
        hint: 'Replace the link with a copy of what it points to, or a link to something inside the module.',
      })
    }
  }
}

const sameEntry = (a: TreeEntry, b: TreeEntry) => a.type === b.type && a.size === b.size && a.mode === b.mode && a.mtimeMs === b.mtimeMs && a.linkTarget === b.linkTarget

/**
 * Read an archive back and compare every entry (type, mode, link text, content hash) with what was
 * packed; then check the module was not changed while it was being packed. Throws naming the first
 * difference. This is what lets us remove the source.
 */
export async function verifyArchive(archive: string, root: string, tree: Tree, fileHashes: Map<string, string>): Promise<void> {
  const expected = new Map(tree.entries.map((e) => [e.rel, e]))
  const seen = new Set<string>()
  const mismatches: string[] = []
  let parseError: unknown = null
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      const rel = entry.path.replace(/\/$/, '').slice(PACKAGE_PREFIX.length + 1)
      const want = expected.get(rel)
      seen.add(rel)
      if (!want) {
        mismatches.push(`${rel}: in the archive but not in the module`)
        return entry.resume()
      }
      const type = entry.type === 'Directory' ? 'dir' : entry.type === 'SymbolicLink' ? 'symlink' : 'file'
      if (type !== want.type) mismatches.push(`${rel}: type ${type}, expected ${want.type}`)
      if (type !== 'symlink' && ((entry.mode ?? 0) & 0o7777) !== want.mode) mismatches.push(`${rel}: mode ${(entry.mode ?? 0).toString(8)}, expected ${want.mode.toString(8)}`)
      if (type === 'symlink' && entry.linkpath !== want.linkTarget) mismatches.push(`${rel}: link target differs`)
      if (type !== 'file') return entry.resume()
      const h = createHash('sha256')
      entry.on('data', (c: Buffer) => h.update(c))
      entry.on('end', () => {
        if (h.digest('hex') !== fileHashes.get(rel)) mismatches.push(`${rel}: content differs`)
      })
    },
  })
  parser.on('error', (e: unknown) => (parseError ??= e))
  // Streamed a slice at a time (the event loop keeps turning over a module of 100,000 files). Our
  // own archive, just written: a very compressible module (a file of zeros) is not a bomb.
  await pumpTarGz(archive, parser, { label: path.basename(archive), limits: null, stop: () => parseError !== null })
  if (parseError) mismatches.push(`the archive cannot be read back: ${(parseError as Error).message}`)
  for (const rel of expected.keys()) if (!seen.has(rel)) mismatches.push(`${rel}: missing from the archive`)
  if (mismatches.length === 0) {
    const now = await walkTree(root)
    const nowByRel = new Map(now.entries.map((e) => [e.rel, e]))
    for (const e of tree.entries) if (!nowByRel.has(e.rel) || !sameEntry(e, nowByRel.get(e.rel)!)) mismatches.push(`${e.rel}: changed while it was being packed`)
    for (const e of now.entries) if (!expected.has(e.rel)) mismatches.push(`${e.rel}: appeared while the module was being packed`)
  }
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
 * Check an archive from anywhere before anything is written (see EntryChecker for the rules) and
 * read its package.json. Throws `UNSAFE_ARCHIVE` naming the entry.
 */
export async function inspectArchive(archive: string, limits: ArchiveLimits = DEFAULT_LIMITS): Promise<InspectedArchive> {
  const label = path.basename(archive)
  const checker = new EntryChecker(label, limits)
  let packageJson: Buffer | null = null
  let parseError: unknown = null
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      const checked = checker.check(entry)
      if (checked?.rel === 'package.json' && checked.kind === 'file') {
        if ((entry.size ?? 0) > MAX_PACKAGE_JSON_BYTES) {
          parseError ??= new WardenError('UNSAFE_ARCHIVE', `Refused ${label}: its package.json is over ${MAX_PACKAGE_JSON_BYTES / 1024 / 1024} MB`, { hint: 'Nothing was written.' })
          return entry.resume()
        }
        const chunks: Buffer[] = []
        entry.on('data', (c: Buffer) => chunks.push(c))
        entry.on('end', () => (packageJson = Buffer.concat(chunks)))
        return
      }
      entry.resume()
    },
  })
  parser.on('error', (e: unknown) => (parseError ??= e))
  try {
    await pumpTarGz(archive, parser, { label, limits, stop: () => checker.problem !== null || parseError !== null })
  } catch (error) {
    throw checker.problem ?? checker.readError(error)
  }
  if (checker.problem) throw checker.problem
  if (parseError) throw checker.readError(parseError)
  if (checker.finish()) throw checker.problem!
  if (checker.topDir === null) throw new WardenError('UNSAFE_ARCHIVE', `${label} is empty`)
  return { topDir: checker.topDir, fileCount: checker.fileCount, unpackedSize: checker.unpackedSize, packageJson: parsePackageJson(label, checker.topDir, packageJson), entries: checker.entries }
}

export function parsePackageJson(label: string, topDir: string, bytes: Buffer | null): Record<string, unknown> {
  if (!bytes) throw new WardenError('INVALID_INPUT', `${label} has no package.json at ${topDir}/package.json, so it is not a module package`)
  try {
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>
  } catch (error) {
    throw new WardenError('INVALID_INPUT', `${label}: package.json is not valid JSON (${(error as Error).message})`)
  }
}
