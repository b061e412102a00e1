import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HealthSummary, SourceHealth } from '../../../../shared/contract/domains/health'
import type { AnyEvent, EventPayload } from '../../../../shared/contract/events'
import { provideClient } from '../../client/clientInstance'
import { startLiveUpdates } from '../../stores/liveUpdates'
import { useToastStore } from '../../stores/toastStore'
import { fakeClient } from '../../testing/fakeClient'
import { newAlerts, throttle } from './healthLive'
import { useHealthStore } from './healthStore'

const source = (name: string, status: SourceHealth['status'] = 'normal'): SourceHealth => ({
  source: name, kind: 'external', status, regime: 'stable', latest: null, windowSize: 3, baseline: null, issues: [], trends: {},
})
const summary = (...sources: SourceHealth[]): HealthSummary => ({ status: 'normal', sources, at: 1 })
const changed = (payload: Partial<EventPayload<'health.changed'>>): AnyEvent => ({
  event: 'health.changed',
  payload: { at: 1, sources: [], status: 'normal', alerts: [], ...payload },
})
const alert = (src: string, status: 'warning' | 'critical') => ({ source: src, status, message: `Φ of ${src} is below 0.65 for 3 snapshots`, since: 1 })

describe('throttle', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('runs at once, then folds calls within the wait into one run at its end', async () => {
    const fn = vi.fn()
    const t = throttle(fn, 1000)
    t()
    expect(fn).toHaveBeenCalledTimes(1)
    for (let i = 0; i < 20; i++) t()
    await vi.advanceTimersByTimeAsync(999)
    expect(fn).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(fn).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(5000) // nothing pending: no more runs
    expect(fn).toHaveBeenCalledTimes(2)
    t()
    t.cancel()
    t()
    expect(fn).toHaveBeenCalledTimes(4)
  })
})

describe('new alerts', () => {
  it('are those not seen in the last event: a new source, an escalation, a return after clearing', () => {
    let r = newAlerts(new Set(), [alert('a', 'warning')])
    expect(r.fresh.map((a) => a.source)).toEqual(['a'])
    r = newAlerts(r.seen, [alert('a', 'warning'), alert('b', 'critical')])
    expect(r.fresh.map((a) => `${a.source}:${a.status}`)).toEqual(['b:critical'])
    r = newAlerts(r.seen, [alert('a', 'critical'), alert('b', 'critical')])
    expect(r.fresh.map((a) => `${a.source}:${a.status}`)).toEqual(['a:critical'])
    r = newAlerts(r.seen, [])
    expect(r.fresh).toEqual([])
    r = newAlerts(r.seen, [alert('b', 'critical')])
    expect(r.fresh.map((a) => a.source)).toEqual(['b'])
  })
})

describe('health live updates', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    useHealthStore.getState().reset()
    useToastStore.getState().reset()
  })
  afterEach(() => vi.useRealTimers())

  it('refetches the page at most once a second on health.changed, and keeps a zoomed window', async () => {
    const fake = fakeClient({
      'health.summary': () => summary(source('ext-1'), source('ext-2')),
      'health.history': (input) => ({ source: (input as { source: string }).source, since: 0, until: 1, resolution: 'raw', points: [] }),
    })
    provideClient(fake.client)
    const stop = startLiveUpdates(fake.client)
    const calls = (name: string) => fake.calls.filter((c) => c.name === name)

    // Not open yet: nothing is fetched.
    fake.emit(changed({ sources: ['ext-1'] }))
    await vi.advanceTimersByTimeAsync(1500)
    expect(calls('health.summary')).toHaveLength(0)

    await useHealthStore.getState().refresh()
    await vi.advanceTimersByTimeAsync(0)
    expect(useHealthStore.getState().selected).toBe('ext-1')
    // Until the charts are laid out (and say how many points fit), no history is asked for.
    expect(calls('health.history')).toHaveLength(0)
    useHealthStore.getState().setPoints(400)
    useHealthStore.getState().zoom(10_000, 70_000)
    await vi.advanceTimersByTimeAsync(0)
    const before = { summary: calls('health.summary').length, history: calls('health.history').length }

    for (let i = 0; i < 30; i++) fake.emit(changed({ sources: ['ext-1'] }))
    await vi.advanceTimersByTimeAsync(0)
    expect(calls('health.summary').length - before.summary).toBe(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls('health.summary').length - before.summary).toBe(2)
    expect(calls('health.history').length - before.history).toBe(2)
    expect(calls('health.history').at(-1)!.input).toMatchObject({ source: 'ext-1', points: 400, since: 10_000, until: 70_000 })
    expect(useHealthStore.getState().timeWindow).toEqual({ from: 10_000, to: 70_000 })

    // Snapshots of another source: the summary, not the charts.
    const h = calls('health.history').length
    await vi.advanceTimersByTimeAsync(1000)
    fake.emit(changed({ sources: ['ext-2'] }))
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls('health.history').length).toBe(h)
    stop()
  })

  it('toasts a new alert once, with what degraded and a link to the Health page', async () => {
    const fake = fakeClient({})
    provideClient(fake.client)
    const stop = startLiveUpdates(fake.client)
    fake.emit(changed({ status: 'warning', alerts: [alert('ext-1', 'warning')] }))
    fake.emit(changed({ status: 'warning', alerts: [alert('ext-1', 'warning')] }))
    expect(useToastStore.getState().toasts).toEqual([
      expect.objectContaining({ kind: 'warning', title: 'ext-1 is warning', message: 'Φ of ext-1 is below 0.65 for 3 snapshots', link: { href: '#health', label: 'Open Health' } }),
    ])
    fake.emit(changed({ status: 'critical', alerts: [alert('ext-1', 'critical')] }))
    expect(useToastStore.getState().toasts.map((t) => `${t.kind}:${t.title}`)).toEqual(['warning:ext-1 is warning', 'error:ext-1 is critical'])
    stop()
  })
})
