import type { EventPayload } from '../../../../shared/contract/events'
import { useHealthStore } from './healthStore'

/** At most one refetch of the Health page this often, however many snapshots arrive. */
export const HEALTH_REFETCH_MS = 1000

/** Runs `fn` at once, then at most once per `ms`: calls in between fold into one run at the end of the wait. */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null
  let pending = false
  const open = () => {
    timer = setTimeout(() => {
      timer = null
      if (!pending) return
      pending = false
      fn()
      open()
    }, ms)
  }
  const call = () => {
    if (timer) {
      pending = true
      return
    }
    fn()
    open()
  }
  call.cancel = () => {
    if (timer) clearTimeout(timer)
    timer = null
    pending = false
  }
  return call
}

/**
 * What `health.changed` does in this window: a throttled refetch of the Health page's summary and,
 * when its source got snapshots, its charts (the zoom is kept). A source that degrades also raises
 * an `alert` (page `health`): its toast, with a link here, comes from the alert toasts.
 */
export function healthUpdates(): { changed(payload: EventPayload<'health.changed'>): void; stop(): void } {
  let sources = new Set<string>()
  const refetch = throttle(() => {
    const store = useHealthStore.getState()
    const touched = sources
    sources = new Set()
    if (!store.loaded) return
    void store.refresh()
    if (store.selected && touched.has(store.selected)) void store.refreshHistory()
  }, HEALTH_REFETCH_MS)
  return {
    changed: (payload) => {
      for (const s of payload.sources) sources.add(s)
      refetch()
    },
    stop: () => refetch.cancel(),
  }
}
