import { Emitter } from '../events/Emitter'
import type { WardenDatabase } from '../storage/Database'
import type { AdapterEntry } from './AdapterStore'

/** How often `watch` looks for changes other processes made to the index. */
const WATCH_INTERVAL_MS = 1000

export interface AdapterUsage {
  /** Generations answered with the adapter in their genome. */
  generations: number
  lastUsedAt: number | null
}

/** What a rebuild or a reconcile changed in the index, by adapter name. */
export interface IndexChange {
  added: string[]
  updated: string[]
  removed: string[]
}

interface Row {
  name: string
  path: string
  sha256: string
  size: number
  base_model: string | null
  description: string
  tags: string
  added_at: number
  facts: string
}

function rowOf(e: AdapterEntry): Row {
  return { name: e.name, path: e.path, sha256: e.sha256, size: e.size, base_model: e.baseModel, description: e.description, tags: JSON.stringify(e.tags), added_at: Math.round(e.addedAt), facts: JSON.stringify(e.facts) }
}

const sameRow = (a: Row, b: Row) => (Object.keys(a) as Array<keyof Row>).every((k) => a[k] === b[k])

/**
 * The SQLite index of the adapters folder: one row per adapter (what its sidecar says), and each
 * adapter's usage. The folder stays the truth (`AdapterStore`): the store writes here as it adds,
 * adopts and removes, a listing reconciles the rows with what it found (files changed by hand),
 * and `warden doctor` rebuilds the rows from the folder. Every change bumps a generation number,
 * which `watch` follows, so a window sees what a CLI command in another process did.
 */
export class AdapterIndex {
  private readonly changed = new Emitter<void>()
  /** The index changed, here or in another process (noticed by `watch`). */
  readonly onDidChange = this.changed.event
  /** The generation listeners were last told about. */
  private seen: number

  constructor(private readonly database: WardenDatabase) {
    this.seen = this.generation()
  }

  private get db() {
    return this.database.db
  }

  /** The number every change of the index increments. */
  generation(): number {
    return (this.db.prepare('SELECT generation FROM adapter_index_state WHERE id = 1').get() as { generation: number } | undefined)?.generation ?? 0
  }

  private bump(): void {
    this.db.prepare('INSERT INTO adapter_index_state (id, generation) VALUES (1, 1) ON CONFLICT(id) DO UPDATE SET generation = generation + 1').run()
    this.notice()
  }

  /** Tell listeners when the generation moved since they were last told. */
  private notice(): void {
    const now = this.generation()
    if (now === this.seen) return
    this.seen = now
    this.changed.fire()
  }

  private upsert(e: AdapterEntry): void {
    const r = rowOf(e)
    this.db
      .prepare(
        `INSERT INTO adapters (name, path, sha256, size, base_model, description, tags, added_at, facts) VALUES (@name, @path, @sha256, @size, @base_model, @description, @tags, @added_at, @facts)
         ON CONFLICT(name) DO UPDATE SET path = excluded.path, sha256 = excluded.sha256, size = excluded.size, base_model = excluded.base_model,
           description = excluded.description, tags = excluded.tags, added_at = excluded.added_at, facts = excluded.facts`,
      )
      .run(r)
  }

  /** An adapter added or adopted. */
  put(entry: AdapterEntry): void {
    this.db.transaction(() => {
      this.upsert(entry)
      this.bump()
    })()
  }

  /** An adapter removed: its row and its usage. */
  remove(name: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM adapters WHERE name = ?').run(name)
      this.db.prepare('DELETE FROM adapter_usage WHERE name = ?').run(name)
      this.bump()
    })()
  }

  /** The names indexed now. */
  names(): string[] {
    return (this.db.prepare('SELECT name FROM adapters ORDER BY name').all() as Array<{ name: string }>).map((r) => r.name)
  }

  /**
   * Bring the rows in step with what the folder holds (`entries`): rows written for adapters added,
   * or whose sidecar changed, by hand; rows of adapters gone removed with their usage. Writes (and
   * bumps the generation) only when something differs.
   */
  reconcile(entries: AdapterEntry[]): IndexChange {
    const rows = new Map((this.db.prepare('SELECT name, path, sha256, size, base_model, description, tags, added_at, facts FROM adapters').all() as Row[]).map((r) => [r.name, r]))
    const change: IndexChange = { added: [], updated: [], removed: [] }
    const present = new Set<string>()
    for (const e of entries) {
      present.add(e.name)
      const row = rows.get(e.name)
      if (!row) change.added.push(e.name)
      else if (!sameRow(row, rowOf(e))) change.updated.push(e.name)
    }
    for (const name of rows.keys()) if (!present.has(name)) change.removed.push(name)
    if (!change.added.length && !change.updated.length && !change.removed.length) return change
    const byName = new Map(entries.map((e) => [e.name, e]))
    this.db.transaction(() => {
      for (const name of [...change.added, ...change.updated]) this.upsert(byName.get(name)!)
      for (const name of change.removed) {
        this.db.prepare('DELETE FROM adapters WHERE name = ?').run(name)
        this.db.prepare('DELETE FROM adapter_usage WHERE name = ?').run(name)
      }
      this.bump()
    })()
    return change
  }

  /** Rebuild the rows from the folder's adapters (`warden doctor`): every row written again; usage kept for the adapters still there. */
  rebuild(entries: AdapterEntry[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM adapters').run()
      for (const e of entries) this.upsert(e)
      this.db.prepare('DELETE FROM adapter_usage WHERE name NOT IN (SELECT name FROM adapters)').run()
      this.bump()
    })()
  }

  /** A generation answered with these adapters (by name), at `at`. */
  recordUse(names: string[], at = Date.now()): void {
    if (!names.length) return
    this.db.transaction(() => {
      const up = this.db.prepare(
        'INSERT INTO adapter_usage (name, generations, last_used_at) VALUES (?, 1, ?) ON CONFLICT(name) DO UPDATE SET generations = generations + 1, last_used_at = MAX(last_used_at, excluded.last_used_at)',
      )
      for (const n of names) up.run(n, at)
      this.bump()
    })()
  }

  /** Each adapter's usage; an adapter never used has none here. */
  usage(): Map<string, AdapterUsage> {
    const rows = this.db.prepare('SELECT name, generations, last_used_at FROM adapter_usage').all() as Array<{ name: string; generations: number; last_used_at: number }>
    return new Map(rows.map((r) => [r.name, { generations: r.generations, lastUsedAt: r.last_used_at }]))
  }

  /**
   * Notice changes to the index by other processes (a CLI's `adapter add`) within about a second:
   * one small read per tick, as `SettingsStore.watch`. Returns the function that stops.
   */
  watch(intervalMs = WATCH_INTERVAL_MS): () => void {
    this.notice()
    const timer = setInterval(() => {
      if (!this.database.db.open) return clearInterval(timer)
      try {
        this.notice()
      } catch {
        // A read that failed now (the disk busy) is tried again on the next tick.
      }
    }, intervalMs)
    timer.unref()
    return () => clearInterval(timer)
  }

  dispose(): void {
    this.changed.dispose()
  }
}
