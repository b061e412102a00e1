import { throttle } from '../health/healthLive'
import { useHealingStore } from './healingStore'

/** At most one refetch of the Healing page this often, however many patches change. */
export const HEALING_REFETCH_MS = 1000

/**
 * What `healing.changed` does in this window: a throttled refetch of the Healing page, when it was
 * opened. A proposal that needs a person also raises an `alert` (page `healing`): its toast, with a
 * link here, comes from the alert toasts.
 */
export function healingUpdates(): { changed(): void; stop(): void } {
  const refetch = throttle(() => {
    const store = useHealingStore.getState()
    if (store.loaded) void store.refresh()
  }, HEALING_REFETCH_MS)
  return { changed: () => refetch(), stop: () => refetch.cancel() }
}
