import { createHash, randomBytes } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { openRegularFile } from './regularFile'
import { renameNoReplace } from './safePath'
import { createTimeSlicer } from './timeSlicer'

/** Marker in every temporary name Warden creates, so leftovers of a crash can be found and cleaned. */
export const TEMP_MARKER = '.warden-tmp-'

/** A readable label that keeps temp names well under the 255-byte file name limit. */
export function shortLabel(label: string): string {
  if (Buffer.byteLength(label) <= 80) return label
  return `${label.slice(0, 40)}~${createHash('sha256').update(label).digest('hex').slice(0, 12)}`
}

export function tempNameFor(target: string): string {
  return path.join(path.dirname(target), `${TEMP_MARKER}${shortLabel(path.basename(target))}.${process.pid}.${randomBytes(4).toString('hex')}`)
}

export async function fsyncPath(p: string): Promise<void> {
  const handle = await fsp.open(p, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** fsync a directory so a rename inside it survives power loss (best effort where unsupported). */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    await fsyncPath(dir)
  } catch {
    // Some platforms (Windows) cannot open directories; the rename is still atomic there.
  }
}

/**
 * Write a file so that a crash at any moment leaves either the old content or the new one:
 * temp file in the same folder, fsync, read back and compare, rename, fsync the folder.
 * `durable: false` skips the fsyncs, for derived files that are regenerated anyway (still atomic).
 * `replace: false` refuses (CONFLICT) when the target already exists, for files that are never
 * rewritten (hibernation metadata). Defaults to `true`.
 */
export async function atomicWriteFile(target: string, data: string | Uint8Array, options: { mode?: number; durable?: boolean; replace?: boolean } = {}): Promise<void> {
  const { mode = 0o644, durable = true, replace = true } = options
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data)
  const tmp = tempNameFor(target)
  try {
    const handle = await fsp.open(tmp, 'wx', mode)
    try {
      await handle.writeFile(bytes)
      if (durable) await handle.sync()
    } finally {
      await handle.close()
    }
    const back = await fsp.readFile(tmp)
    if (!back.equals(bytes)) throw new Error(`read-back of ${target} did not match what was written`)
    if (replace) await fsp.rename(tmp, target)
    else await renameNoReplace(tmp, target)
    if (durable) await fsyncDir(path.dirname(target))
  } catch (error) {
    await fsp.rm(tmp, { force: true })
    throw error
  }
}

/** sha256 of a regular file (a FIFO or a device put in its place is refused, not read forever). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  const handle = await openRegularFile(file, 'file')
  for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}


/**
 * Remove a file or folder even where folders inside are read-only (a module may hold some): on
 * EACCES/EPERM, give the owner rwx on every folder, then remove again.
 */
export async function forceRemove(target: string): Promise<void> {
  try {
    await removeTree(target)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EACCES' && code !== 'EPERM') throw error
    const open = async (dir: string): Promise<void> => {
      await fsp.chmod(dir, 0o700).catch(() => undefined)
      for (const d of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) if (d.isDirectory()) await open(path.join(dir, d.name))
    }
    if ((await fsp.lstat(target)).isDirectory()) await open(target)
    await removeTree(target)
  }
}

/** Removals in flight at once: enough to keep the disk busy, few enough to keep the event loop turning. */
const REMOVE_BATCH = 16

/**
 * `rm -rf`, a batch of entries at a time with a turn of the event loop between slices: `fsp.rm` starts
 * every removal of a folder at once and, for a folder of thousands of files, holds the event loop
 * for a tenth of a second or more while their completions run.
 */
async function removeTree(target: string): Promise<void> {
  const breathe = createTimeSlicer()
  const ignoreGone = (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const remove = async (p: string, isDir: boolean): Promise<void> => {
    if (!isDir) return fsp.unlink(p).catch(ignoreGone)
    const children = await fsp.readdir(p, { withFileTypes: true }).catch((error: unknown) => {
      ignoreGone(error)
      return null
    })
    if (!children) return
    for (let i = 0; i < children.length; i += REMOVE_BATCH) {
      await Promise.all(children.slice(i, i + REMOVE_BATCH).map((d) => remove(path.join(p, d.name), d.isDirectory())))
      await breathe()
    }
    await fsp.rmdir(p).catch(ignoreGone)
  }
  const st = await fsp.lstat(target).catch((error: unknown) => {
    ignoreGone(error)
    return null
  })
  if (st) await remove(target, st.isDirectory())
}
