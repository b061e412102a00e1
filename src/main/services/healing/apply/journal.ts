import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { atomicWriteFile, TEMP_MARKER } from '../../fs/atomic'
import { processAlive } from '../../locking/processAlive'
import { logger } from '../../logging/processLog'

const log = logger('healing')

/** A file a module diff changes: its content before and after (null: absent). */
export interface FileChange {
  /** Absolute path. */
  abs: string
  /** Path inside the module, with forward slashes. */
  rel: string
  before: string | null
  after: string | null
}

/**
 * The intent of an apply or a rollback, written before the first change and removed after the
 * last (as hibernation's journal): after a crash, start-up finishes the work (the patch's status
 * in SQLite says it was committed) or undoes it (it was not).
 */
export interface HealingJournalEntry {
  patchId: string
  op: 'apply' | 'rollback'
  pid: number
  startedAt: number
  /** Module diffs: every file with its content before and after (after is what `op` writes). */
  files?: FileChange[]
  /** Module actions: the workspace and which steps have finished. */
  workspace?: string
  stepsDone?: number
  steps?: number
  /** Whether the module is active once every step is done. */
  finalActive?: boolean
  /** Persona checkpoint restores: the checkpoint taken just before, once taken. */
  checkpointBefore?: string
}

export class HealingJournal {
  constructor(readonly dir: string) {}

  private file(patchId: string): string {
    return path.join(this.dir, `${patchId}.json`)
  }

  async write(entry: HealingJournalEntry): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true })
    await atomicWriteFile(this.file(entry.patchId), JSON.stringify(entry))
  }

  /** No fsync: a removal that is lost is found again, the work done, and removed again. */
  async end(patchId: string): Promise<void> {
    await fsp.rm(this.file(patchId), { force: true })
  }

  /** Entries left by processes that are gone (a live process's entry is its work in progress). */
  async pending(): Promise<HealingJournalEntry[]> {
    let names: string[]
    try {
      names = await fsp.readdir(this.dir)
    } catch {
      return []
    }
    const out: HealingJournalEntry[] = []
    for (const name of names.sort()) {
      if (!name.endsWith('.json') || name.startsWith(TEMP_MARKER)) continue
      try {
        const entry = JSON.parse(await fsp.readFile(path.join(this.dir, name), 'utf8')) as HealingJournalEntry
        if (entry.pid !== process.pid && processAlive(entry.pid)) continue
        out.push(entry)
      } catch (error) {
        // Written atomically: one that cannot be parsed was never complete, so nothing had changed yet.
        log.info(`Removed the incomplete healing journal entry ${name}`, { err: error })
        await fsp.rm(path.join(this.dir, name), { force: true })
      }
    }
    return out
  }
}
