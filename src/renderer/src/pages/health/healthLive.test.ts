import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HealthSummary, SourceHealth } from '../../../../shared/contract/domains/health'
import type { AnyEvent, EventPayload } from '../../../../shared/contract/events'
import { provideClient } from '../../client/clientInstance'
import { startLiveUpdates } from '../../stores/liveUpdates'
import { fakeClient } from '../../testing/fakeClient'
import { throttle } from './healthLive'
import { useHealthStore } from './healthStore'

const source = (name: string, status: SourceHealth['status'] = 'normal'): SourceHealth => ({
  source: name, kind: 'external', status, regime: 'stable', latest: null, windowSize: 3, baseline: null, issues: [], trends: {},
})
const summary = (...sources: SourceHealth[]): HealthSummary => ({ status: 'normal', sources, at: 1 })
const changed = (payload: Partial<EventPayload<'health.changed'>>): AnyEvent => ({
  event: 'health.changed',
  payload: { at: 1, sources: [], status: 'normal', alerts: [], ...payload },
})

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

describe('health live updates', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    useHealthStore.getState().reset()
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
})
