import type { CacheEviction, ModelCacheState } from '../../../../shared/contract/modelCache'
import { formatAge, formatBytes } from '../../../../shared/format'

/** Where this browser remembers the last eviction notice the person dismissed (by its time). */
const DISMISSED_KEY = 'warden-model-cache-dismissed'

export function dismissedEvictionAt(): number {
  try {
    return Number(globalThis.localStorage?.getItem(DISMISSED_KEY)) || 0
  } catch {
    return 0 // storage refused (a locked-down browser): the notice simply comes back
  }
}

export function rememberDismissed(at: number): void {
  try {
    globalThis.localStorage?.setItem(DISMISSED_KEY, String(at))
  } catch {
    // as above
  }
}

/** The last eviction, unless the person dismissed it already. */
export function evictionToShow(cache: ModelCacheState | null, dismissedAt: number): CacheEviction | null {
  const last = cache?.lastEviction
  return last && last.at > dismissedAt ? last : null
}

/** "Removed bravo (1.5 MB, last used 3 days ago) after an install." */
export function describeEviction(e: CacheEviction, now: number): { title: string; items: Array<{ id: string; text: string; reason: string }>; when: string } {
  const n = e.evicted.length
  return {
    title: `Removed ${n} downloaded model${n === 1 ? '' : 's'} to stay under the cache limit (maxModelCacheSize)`,
    items: e.evicted.map((m) => ({
      id: m.id,
      text: `${m.name} · ${formatBytes(m.size)} · ${m.lastUsedAt === null ? 'never used' : `last used ${formatAge(now - m.lastUsedAt)}`}`,
      reason: m.reason,
    })),
    when: `${e.trigger === 'install' ? 'After an install' : 'After the limit was lowered'}, ${formatAge(now - e.at)}: the least recently used go first; they download again when a persona needs them.`,
  }
}
