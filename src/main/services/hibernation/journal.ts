import { randomBytes } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { atomicWriteFile, exists, forceRemove, TEMP_MARKER } from '../fs/atomic'
import { fileNameProblem } from '../fs/safePath'
import { treeDigest, walkTree } from '../workspace/walk'
import { processAlive } from '../locking/processAlive'
import { logger } from '../logging/processLog'

const log = logger('journal')

/**
 * Intent records for multi-step operations. Written before the first change and removed after the
 * last, so that after a crash the next run knows whether to finish the work or undo it.
 */
export interface HibernateItem {
  name: string
  /** Active folder of the module. */
  source: string
  archive: string
  metadata: string
  /** Where the source goes (atomic rename, beside it) before it is deleted. */
  trash: string
  /** treeDigest of the module as it was packed: a source that differs was edited since, and is kept. */
  digest: string
  /** `.git` folders (relative) to move to `keptDir` instead of deleting them. */
  keep?: string[]
  keptDir?: string
}

export interface WakeItem {
  name: string
  staging: string
  target: string
  /** The `.woken.json` to write once the module is in place; null for a file from elsewhere. */
  wokenMarker: string | null
}

export type JournalEntry =
  | { id: string; op: 'hibernate'; pid: number; startedAt: number; items: HibernateItem[] }
  | { id: string; op: 'wake'; pid: number; startedAt: number; items: WakeItem[] }

export class Journal {
  constructor(private readonly dir: string) {}

  newId(): string {
    return `${Date.now()}-${randomBytes(4).toString('hex')}`
  }

  async begin(entry: JournalEntry): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true })
    await atomicWriteFile(path.join(this.dir, `${entry.id}.json`), JSON.stringify(entry, null, 2))
  }

  /** No fsync: if the removal is lost, recovery finds the work done and only removes the entry again. */
  async end(id: string): Promise<void> {
    await fsp.rm(path.join(this.dir, `${id}.json`), { force: true })
  }

  /**
   * Entries of interrupted operations: those of processes that are gone. An entry of another live
   * process is its work in progress and is never touched, not even under the lock.
   */
  async pending(): Promise<JournalEntry[]> {
    let files: string[]
    try {
      files = await fsp.readdir(this.dir)
    } catch {
      return [] // no journal folder: nothing was ever interrupted
    }
    const out: JournalEntry[] = []
    for (const f of files.sort()) {
      if (!f.endsWith('.json') || f.startsWith(TEMP_MARKER)) continue
      try {
        const entry = JSON.parse(await fsp.readFile(path.join(this.dir, f), 'utf8')) as JournalEntry
        if (entry.pid !== process.pid && processAlive(entry.pid)) continue
        out.push(entry)
      } catch (error) {
        // A journal file that cannot be parsed was never completely written (atomic writes), so its
        // operation never started changing anything.
        log.info(`Removed the incomplete journal entry ${f}`, { err: error })
        await fsp.rm(path.join(this.dir, f), { force: true })
      }
    }
    return out
  }
}

/**
 * Finish or undo an interrupted operation. Hibernation commits when every metadata file of the
 * group is in place: after that the sources go; before it, the new archives are removed and the
 * sources (never touched before the commit) stay. A wake commits per module when it is in place.
 * Returns a sentence per action taken.
 */
export async function recoverEntry(entry: JournalEntry): Promise<string[]> {
  const done: string[] = []
  if (entry.op === 'hibernate') {
    const committed = (await Promise.all(entry.items.map((i) => exists(i.metadata)))).every(Boolean)
    for (const item of entry.items) {
      if (committed) done.push(await finishRemoval(item))
      else {
        if (!(await exists(item.source)) && (await exists(item.trash))) await fsp.rename(item.trash, item.source)
        await fsp.rm(item.metadata, { force: true })
        await fsp.rm(item.archive, { force: true })
        done.push(`undid the interrupted hibernation of ${item.name} (it stays active)`)
      }
    }
  } else {
    for (const item of entry.items) {
      // The rename moves staging to target in one step: staging still there means it never happened
      // (whatever is at the target now is someone else's).
      if (!(await exists(item.staging)) && (await exists(item.target))) {
        if (item.wokenMarker && !(await exists(item.wokenMarker))) {
          await atomicWriteFile(item.wokenMarker, JSON.stringify({ wokenAt: Date.now(), to: item.target, recovered: true }))
        }
        done.push(`finished waking ${item.name}`)
      } else {
        done.push(`undid the interrupted wake of ${item.name} (it stays hibernated)`)
      }
      await forceRemove(item.staging)
    }
  }
  return done
}

async function digestOf(dir: string): Promise<string> {
  return treeDigest(await walkTree(dir))
}

/**
 * After the commit, take a hibernated module out of the active tree: move it aside, and delete it
 * only if it is still exactly what was packed. A module edited since (say, after a crash, before
 * this recovery ran) is put back and kept active; the hibernated version stays as history.
 * The checked copy is renamed once more before deletion, so a deletion cut short by a crash is
 * never mistaken for an edit (and half a module never put back).
 */
export async function finishRemoval(item: HibernateItem): Promise<string> {
  const doomed = path.join(path.dirname(item.trash), path.basename(item.trash).replace(`${TEMP_MARKER}trash-`, `${TEMP_MARKER}doomed-`))
  if (await exists(doomed)) {
    await forceRemove(doomed)
    return `finished hibernating ${item.name}`
  }
  if (!(await exists(item.trash))) {
    if (!(await exists(item.source))) return `finished hibernating ${item.name}`
    await fsp.rename(item.source, item.trash)
  }
  if ((await digestOf(item.trash)) !== item.digest) {
    if (!(await exists(item.source))) {
      await fsp.rename(item.trash, item.source)
      return `kept ${item.name} active: it changed after it was packed (the hibernated version stays as history)`
    }
    return `kept both copies of ${item.name}: the one aside at ${item.trash} changed after it was packed; nothing was deleted`
  }
  for (const rel of item.keep ?? []) {
    const from = path.join(item.trash, ...rel.split('/'))
    if (!item.keptDir || !(await exists(from))) continue
    const to = path.join(item.keptDir, ...rel.split('/'))
    await fsp.mkdir(path.dirname(to), { recursive: true })
    await fsp.rename(from, to)
  }
  await fsp.rename(item.trash, doomed)
  await forceRemove(doomed)
  return `finished hibernating ${item.name}`
}

/** Put `.git` folders kept aside at hibernation back into the woken module (never over existing ones). */
export async function restoreKept(keptDir: string, rels: string[], target: string): Promise<void> {
  // The list comes from the metadata, which no checksum covers: only plain relative paths are used.
  for (const rel of rels.filter((r) => r.split('/').every((part) => fileNameProblem(part) === null))) {
    const from = path.join(keptDir, ...rel.split('/'))
    const to = path.join(target, ...rel.split('/'))
    if (!(await exists(from)) || (await exists(to))) continue
    await fsp.mkdir(path.dirname(to), { recursive: true })
    await fsp.rename(from, to)
  }
  await fsp.rm(keptDir, { recursive: true, force: true }).catch((error: unknown) => log.warn(`Could not remove ${keptDir} after putting its files back`, { err: error }))
}

/** Remove temp files and folders left by dead processes (their names carry the pid). */
export async function cleanTemp(dirs: string[]): Promise<string[]> {
  const removed: string[] = []
  for (const dir of dirs) {
    let names: string[]
    try {
      names = await fsp.readdir(dir)
    } catch {
      continue // a folder that does not exist holds no temp files
    }
    for (const name of names) {
      if (!name.startsWith(TEMP_MARKER)) continue
      const pid = Number(/\.(\d+)\.[0-9a-f]+$/.exec(name)?.[1])
      if (pid && pid !== process.pid && processAlive(pid)) continue
      if (pid === process.pid) continue
      await forceRemove(path.join(dir, name))
      removed.push(path.join(dir, name))
    }
  }
  return removed
}
