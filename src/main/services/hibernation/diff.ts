import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import * as tar from 'tar'
import type { FileChange } from '../../../shared/contract/schemas'
import { WardenError } from '../../../shared/errors'
import { walkTree } from '../workspace/walk'
import type { StoredVersion } from './HibernationStore'

/** Files bigger than this are compared by content but get no unified diff. */
const MAX_PATCH_BYTES = 512 * 1024

type FileMap = Map<string, Buffer>

export async function filesOfArchive(archive: string): Promise<FileMap> {
  const files: FileMap = new Map()
  await tar.t({
    file: archive,
    strict: true,
    // Only archives whose checksum matched their metadata are compared.
    maxDecompressionRatio: Infinity,
    onReadEntry: (entry) => {
      const rel = entry.path.split('/').slice(1).join('/')
      if (entry.type === 'SymbolicLink') {
        files.set(rel, Buffer.from(`-> ${entry.linkpath}`))
        entry.resume()
      } else if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') {
        const chunks: Buffer[] = []
        entry.on('data', (c: Buffer) => chunks.push(c))
        entry.on('end', () => files.set(rel, Buffer.concat(chunks)))
      } else {
        entry.resume()
      }
    },
  })
  return files
}

export async function filesOfFolder(root: string): Promise<FileMap> {
  const tree = await walkTree(root)
  const files: FileMap = new Map()
  for (const e of tree.entries) {
    if (e.type === 'file') files.set(e.rel, await fsp.readFile(path.join(root, ...e.rel.split('/'))))
    else if (e.type === 'symlink') files.set(e.rel, Buffer.from(`-> ${e.linkTarget}`))
  }
  return files
}

function isBinary(b: Buffer): boolean {
  return b.subarray(0, 8000).includes(0)
}

export async function compareFiles(before: FileMap, after: FileMap, labels: { from: string; to: string }): Promise<{ changes: FileChange[]; unchanged: number }> {
  // Loaded on first use: most commands never diff.
  const { createTwoFilesPatch } = await import('diff')
  const changes: FileChange[] = []
  let unchanged = 0
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort()
  for (const p of paths) {
    const a = before.get(p)
    const b = after.get(p)
    if (a && b && a.equals(b)) {
      unchanged++
      continue
    }
    const status = !a ? 'added' : !b ? 'removed' : 'changed'
    const binary = (a ? isBinary(a) : false) || (b ? isBinary(b) : false)
    const small = (a?.length ?? 0) <= MAX_PATCH_BYTES && (b?.length ?? 0) <= MAX_PATCH_BYTES
    const patch = binary || !small ? null : createTwoFilesPatch(`a/${p}`, `b/${p}`, a?.toString('utf8') ?? '', b?.toString('utf8') ?? '', labels.from, labels.to)
    changes.push({ path: p, status, binary, patch, sizeBefore: a?.length ?? null, sizeAfter: b?.length ?? null })
  }
  return { changes, unchanged }
}

export function describeVersion(v: StoredVersion): string {
  return `${v.name}@${v.at} (${v.location === 'archive' ? 'archived' : v.wokenAt ? 'woken' : 'hibernated'} ${new Date(v.at).toISOString()})`
}

export function pickVersion(versions: StoredVersion[], name: string, at: number): StoredVersion {
  const v = versions.find((x) => x.at === at)
  if (!v) {
    throw new WardenError('NOT_FOUND', `${name} has no version ${at}`, {
      hint: versions.length ? `Versions: ${versions.map((x) => x.at).join(', ')}` : `${name} has never been hibernated.`,
    })
  }
  if (v.archiveSize === null) throw new WardenError('NOT_FOUND', `The archive of ${name}@${at} is missing`)
  return v
}
