import type { CacheKeepReason } from '../../../../shared/contract/modelCache'

/** A downloaded model in the models folder, as the cache limit sees it. */
export interface CacheEntry {
  id: string
  name: string
  path: string
  size: number
  /** Last load or generation (else install); null when unknown: such a model goes first. */
  lastUsedAt: number | null
  /** Why it must stay (pinned, in use, loaded, just installed); null when it may be removed. */
  keep: CacheKeepReason | null
}

export interface EvictionPlan {
  /** In the order to remove them. */
  evict: CacheEntry[]
  usedBytesBefore: number
  usedBytesAfter: number
  /** The models that stay although the total is still over the limit; null when within it. */
  overLimitKept: CacheEntry[] | null
}

/**
 * Which downloaded models to remove so that they take at most `limitBytes`: the least recently used
 * first (on a tie, the larger, which frees more), never one with a reason to stay; no more than
 * needed. Pure, so the order is tested without files.
 */
export function planEviction(entries: readonly CacheEntry[], limitBytes: number): EvictionPlan {
  const usedBytesBefore = entries.reduce((sum, e) => sum + e.size, 0)
  let used = usedBytesBefore
  const evict: CacheEntry[] = []
  if (used > limitBytes) {
    const candidates = entries
      .filter((e) => e.keep === null)
      .sort((a, b) => (a.lastUsedAt ?? -Infinity) - (b.lastUsedAt ?? -Infinity) || b.size - a.size || a.id.localeCompare(b.id))
    for (const c of candidates) {
      if (used <= limitBytes) break
      evict.push(c)
      used -= c.size
    }
  }
  return { evict, usedBytesBefore, usedBytesAfter: used, overLimitKept: used > limitBytes ? entries.filter((e) => e.keep !== null) : null }
}
