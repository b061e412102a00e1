import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ModelInfo } from '../../../../shared/contract/inference'
import { CacheEviction, type CacheKeepReason, type CacheOverLimit, type EvictedModel, type ModelCacheState } from '../../../../shared/contract/modelCache'
import { formatAge, formatBytes } from '../../../../shared/format'
import { describeOverLimit } from '../../../../shared/modelCacheText'
import type { WardenDatabase } from '../../storage/Database'
import type { ModelService } from '../ModelService'
import { ModelUsageStore } from './ModelUsageStore'
import { planEviction, type CacheEntry } from './planEviction'

const MB = 1024 * 1024
/** Where the last eviction is kept (the settings table, outside the `ai.` settings), for every process. */
const LAST_EVICTION_KEY = 'modelCache.lastEviction'

export interface ModelCacheOptions {
  database: WardenDatabase
  models: ModelService
  /** The `maxModelCacheSize` setting, in MB; 0 = no limit. */
  limitMb: () => number
  /** Models that must stay, by id, and why: the workers (pinned, loaded) and the requests running. */
  keep: () => ReadonlyMap<string, CacheKeepReason>
  now?: () => number
}

/** What one enforcement did. */
export interface Enforcement {
  trigger: CacheEviction['trigger']
  evicted: EvictedModel[]
  overLimit: CacheOverLimit | null
}

function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file)
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
}

/**
 * `maxModelCacheSize`: the models Warden downloaded into its models folder (catalog installs and
 * hf:/URL downloads: they can be downloaded again) are kept under the limit by deleting the least
 * recently used. Never a model pinned, loaded or in use, never a file the person added (`model add`,
 * or dropped into the folder by hand), never one Warden cannot download again (the demo's).
 */
export class ModelCache {
  readonly usage: ModelUsageStore
  /** Enforcements run one after the other, so two never remove from one plan twice. */
  private queue: Promise<unknown> = Promise.resolve()
  private readonly listeners = new Set<(e: Enforcement) => void>()

  constructor(private readonly options: ModelCacheOptions) {
    this.usage = new ModelUsageStore(options.database)
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }

  /** The limit in bytes; null = no limit. */
  limitBytes(): number | null {
    const mb = this.options.limitMb()
    return mb > 0 ? mb * MB : null
  }

  markUsed(file: string): void {
    this.usage.markUsed(file, this.now())
  }

  /** Fired after an enforcement that removed something, or left the models over the limit. */
  onDidEnforce(listener: (e: Enforcement) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The models that count against the limit, with their last use and any reason to stay. */
  entries(models: readonly ModelInfo[], extraKeep: ReadonlyMap<string, CacheKeepReason> = new Map()): CacheEntry[] {
    const dir = path.resolve(this.options.models.modelsDir)
    const keep = this.options.keep()
    const out: CacheEntry[] = []
    for (const m of models) {
      const downloaded = m.source === 'catalog' || (m.source === 'download' && m.uri !== null)
      if (!m.installed || !m.path || !downloaded || !isInside(dir, path.resolve(m.path))) continue
      let lastUsedAt = this.usage.lastUsed(m.path)
      let size = m.size ?? 0
      try {
        const st = fs.statSync(m.path)
        size = st.size
        // A download Warden never saw used: its file's time is when the download finished.
        lastUsedAt ??= Math.round(st.mtimeMs)
      } catch {
        continue // gone since it was listed
      }
      out.push({ id: m.id, name: m.name, path: m.path, size, lastUsedAt, keep: keep.get(m.id) ?? extraKeep.get(m.id) ?? null })
    }
    return out
  }

  /** The models against the limit now, and the last eviction (for `model.list`). */
  state(models: readonly ModelInfo[]): ModelCacheState {
    const limitBytes = this.limitBytes()
    const entries = this.entries(models)
    const usedBytes = entries.reduce((sum, e) => sum + e.size, 0)
    const overLimit = limitBytes !== null && usedBytes > limitBytes ? overLimitOf(limitBytes, usedBytes, entries.filter((e) => e.keep !== null)) : null
    return { limitBytes, usedBytes, overLimit, lastEviction: this.lastEviction() }
  }

  lastEviction(): CacheEviction | null {
    const parsed = CacheEviction.safeParse(this.options.database.getSetting<unknown>(LAST_EVICTION_KEY))
    return parsed.success ? parsed.data : null
  }

  /**
   * Remove the least recently used downloaded models until they fit the limit. `justInstalled`
   * stays (installing it is why we are here). Serialized with other enforcements.
   */
  enforce(trigger: Enforcement['trigger'], justInstalled?: string): Promise<Enforcement> {
    const run = this.queue.then(() => this.enforceNow(trigger, justInstalled))
    this.queue = run.catch(() => undefined)
    return run
  }

  private async enforceNow(trigger: Enforcement['trigger'], justInstalled?: string): Promise<Enforcement> {
    const limitBytes = this.limitBytes()
    if (limitBytes === null) return { trigger, evicted: [], overLimit: null }
    const extraKeep = new Map<string, CacheKeepReason>(justInstalled ? [[justInstalled, 'just installed']] : [])
    const plan = planEviction(this.entries(await this.options.models.list(), extraKeep), limitBytes)
    const now = this.now()
    const evicted: EvictedModel[] = []
    let used = plan.usedBytesBefore
    for (const e of plan.evict) {
      // Checked again right before the delete, with nothing awaited in between: a request that
      // started while the list was read keeps its model.
      if (this.options.keep().has(e.id)) continue
      const freed = this.options.models.deleteDownloaded(e.id, e.path)
      if (freed === null) continue
      this.usage.forget(e.path)
      evicted.push({ id: e.id, name: e.name, path: e.path, size: freed, lastUsedAt: e.lastUsedAt, reason: reasonFor(e, now, used, limitBytes, trigger) })
      used -= freed
    }
    // What stayed is read again: the last check may have kept a model the plan meant to remove.
    const after = this.entries(await this.options.models.list(), extraKeep)
    const usedAfter = after.reduce((sum, e) => sum + e.size, 0)
    const overLimit = usedAfter > limitBytes ? overLimitOf(limitBytes, usedAfter, after.filter((e) => e.keep !== null)) : null
    const result: Enforcement = { trigger, evicted, overLimit }
    if (evicted.length) this.options.database.setSetting(LAST_EVICTION_KEY, { at: now, trigger, evicted } satisfies CacheEviction)
    if (evicted.length || overLimit) for (const l of [...this.listeners]) l(result)
    return result
  }
}

function overLimitOf(limitBytes: number, usedBytes: number, kept: CacheEntry[]): CacheOverLimit {
  return { limitBytes, usedBytes, kept: kept.map((e) => ({ id: e.id, name: e.name, size: e.size, reason: e.keep! })) }
}

function reasonFor(e: CacheEntry, now: number, usedBytes: number, limitBytes: number, trigger: Enforcement['trigger']): string {
  const lastUse = e.lastUsedAt === null ? 'never used' : `last used ${formatAge(now - e.lastUsedAt)}`
  const why = trigger === 'install' ? 'after an install' : 'after maxModelCacheSize was lowered'
  return `least recently used (${lastUse}): ${why}, the downloaded models took ${formatBytes(usedBytes)}, more than the ${formatBytes(limitBytes)} of maxModelCacheSize`
}

/** One line for a person: what was removed and why, and what stays over the limit. */
export function describeEnforcement(e: Enforcement): { level: 'info' | 'warning'; title: string; message: string } {
  const parts: string[] = []
  if (e.evicted.length) {
    parts.push(`Removed ${e.evicted.map((m) => `${m.name} (${formatBytes(m.size)})`).join(', ')}: the least recently used downloaded models, to stay under maxModelCacheSize. They download again when needed.`)
  }
  if (e.overLimit) {
    const { title, message } = describeOverLimit(e.overLimit)
    parts.push(`${title}: ${message}`)
  }
  const title = e.overLimit ? 'Models over the cache limit' : `Removed ${e.evicted.length} model${e.evicted.length === 1 ? '' : 's'} to stay under the cache limit`
  return { level: e.overLimit ? 'warning' : 'info', title, message: parts.join(' ') }
}
