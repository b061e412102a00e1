import { createHash } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'

/** Folders a hibernation leaves out (they are rebuilt or kept elsewhere); the metadata lists them. */
export const LEFT_OUT_DIRS = new Set(['node_modules', '.git'])

export interface TreeEntry {
  /** Relative path with forward slashes. */
  rel: string
  type: 'file' | 'dir' | 'symlink'
  size: number
  mode: number
  /** For symlinks: the link text. */
  linkTarget?: string
  mtimeMs?: number
}

export interface Tree {
  entries: TreeEntry[]
  fileCount: number
  totalSize: number
  leftOut: string[]
}

/** Every file, folder and link under `root`, except `node_modules/` and `.git/` anywhere (listed in `leftOut`). */
export async function walkTree(root: string): Promise<Tree> {
  const entries: TreeEntry[] = []
  const leftOut: string[] = []
  let fileCount = 0
  let totalSize = 0
  async function visit(dir: string, relDir: string): Promise<void> {
    const dirents = await fsp.readdir(dir, { withFileTypes: true })
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const subdirs: Array<[string, string]> = []
    await Promise.all(
      dirents.map(async (d) => {
        const rel = relDir ? `${relDir}/${d.name}` : d.name
        const abs = path.join(dir, d.name)
        if (d.isDirectory() && LEFT_OUT_DIRS.has(d.name)) {
          leftOut.push(rel)
          return
        }
        const st = await fsp.lstat(abs)
        if (st.isSymbolicLink()) {
          entries.push({ rel, type: 'symlink', size: 0, mode: st.mode & 0o7777, linkTarget: await fsp.readlink(abs), mtimeMs: st.mtimeMs })
          fileCount++
        } else if (st.isDirectory()) {
          entries.push({ rel, type: 'dir', size: 0, mode: st.mode & 0o7777, mtimeMs: st.mtimeMs })
          subdirs.push([abs, rel])
        } else if (st.isFile()) {
          entries.push({ rel, type: 'file', size: st.size, mode: st.mode & 0o7777, mtimeMs: st.mtimeMs })
          fileCount++
          totalSize += st.size
        } else {
          throw new Error(`${rel} is not a regular file, folder or link (sockets and devices cannot be hibernated)`)
        }
      }),
    )
    for (const [abs, rel] of subdirs) await visit(abs, rel)
  }
  await visit(root, '')
  entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
  leftOut.sort()
  return { entries, fileCount, totalSize, leftOut }
}

/** A digest of what a tree looks like (paths, types, sizes, modes, times, links): equal digests, unchanged tree. */
export function treeDigest(tree: Tree): string {
  const hash = createHash('sha256')
  for (const e of tree.entries) hash.update(`${e.rel}\0${e.type}\0${e.size}\0${e.mode}\0${e.mtimeMs ?? ''}\0${e.linkTarget ?? ''}\n`)
  return hash.digest('hex')
}
