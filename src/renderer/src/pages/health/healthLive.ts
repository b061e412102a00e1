import type { EventPayload } from '../../../../shared/contract/events'
import { useToastStore } from '../../stores/toastStore'
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

export type HealthAlert = EventPayload<'health.changed'>['alerts'][number]

/**
 * The alerts that are new since `seen` (a source that turned warning, or went on to critical), and
 * the keys to remember for the next event. An alert that clears and comes back is new again.
 */
export function newAlerts(seen: ReadonlySet<string>, alerts: readonly HealthAlert[]): { fresh: HealthAlert[]; seen: Set<string> } {
  const key = (a: HealthAlert) => `${a.source}\u0000${a.status}`
  return { fresh: alerts.filter((a) => !seen.has(key(a))), seen: new Set(alerts.map(key)) }
}

/** The toast of a new alert: what degraded, the message, where to look. */
export function alertToast(a: HealthAlert) {
  return {
    kind: a.status === 'critical' ? ('error' as const) : ('warning' as const),
    title: `${a.source} is ${a.status}`,
    message: a.message,
    hint: 'Its charts and issues are on the Health page.',
    link: { href: '#health', label: 'Open Health' },
  }
}

/**
 * What `health.changed` does in this window: a throttled refetch of the Health page's summary and,
 * when its source got snapshots, its charts (the zoom is kept); and a toast for each new alert.
 */
export function healthUpdates(): { changed(payload: EventPayload<'health.changed'>): void; stop(): void } {
  let seen = new Set<string>()
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
      const next = newAlerts(seen, payload.alerts)
      seen = next.seen
      for (const a of next.fresh) useToastStore.getState().push(alertToast(a))
    },
    stop: () => refetch.cancel(),
  }
}
