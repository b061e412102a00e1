import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { provideClient } from '../client/clientInstance'
import { fakeClient } from '../testing/fakeClient'
import { startLiveUpdates } from './liveUpdates'
import { useModulesStore } from './modulesStore'
import { useProgressStore } from './progressStore'
import { useToastStore } from './toastStore'
import { useWorkersStore } from './workersStore'

const changed = { event: 'modules.changed', payload: { workspace: '/w', source: 'disk', at: 1 } } as const

describe('live updates', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    useModulesStore.getState().reset()
    useProgressStore.getState().reset()
    useToastStore.getState().reset()
    useWorkersStore.getState().reset()
  })
  afterEach(() => vi.useRealTimers())

  it('gathers a burst of modules.changed into one refetch, about 100 ms later', async () => {
    const fake = fakeClient({
      'module.list': () => ({ workspace: '/w', kinds: [{ kind: 'commands', modules: [] }] }),
      'module.listHibernated': () => ({ modules: [] }),
      'module.listArchived': () => ({ modules: [], totalSize: 0 }),
    })
    provideClient(fake.client)
    const stop = startLiveUpdates(fake.client)
    for (let i = 0; i < 5; i++) fake.emit(changed)
    await vi.advanceTimersByTimeAsync(50)
    expect(fake.calls.filter((c) => c.name === 'module.list')).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(60)
    expect(fake.calls.filter((c) => c.name === 'module.list')).toHaveLength(1)
    expect(useModulesStore.getState().groups).toEqual([{ kind: 'commands', modules: [] }])
    stop()
    expect(fake.listenerCount()).toBe(0)
  })

  it('feeds progress only to calls this window started', () => {
    const fake = fakeClient({})
    provideClient(fake.client)
    const stop = startLiveUpdates(fake.client)
    useProgressStore.getState().start('mine', 'Hibernating x')
    const progress = (callId: string) =>
      fake.emit({ event: 'operation.progress', payload: { callId, operation: 'module.hibernate', phase: 'packing', message: 'Packaging…', fraction: 0.4 } })
    progress('mine')
    progress('someone-else')
    expect(useProgressStore.getState().running).toEqual([{ callId: 'mine', label: 'Hibernating x', message: 'Packaging…', fraction: 0.4 }])
    stop()
  })

  it('shows an alert (a quarantined worker) as an error toast', () => {
    const fake = fakeClient({})
    provideClient(fake.client)
    const stop = startLiveUpdates(fake.client)
    fake.emit({ event: 'alert', payload: { level: 'error', title: 'tiny is quarantined', message: 'It crashed 3 times in 5 minutes.', at: 1 } })
    fake.emit({ event: 'alert', payload: { level: 'warning', title: 'tiny worker crashed', message: 'Restarting in 1 s.', at: 2 } })
    expect(useToastStore.getState().toasts).toMatchObject([
      { kind: 'error', title: 'tiny is quarantined', message: 'It crashed 3 times in 5 minutes.' },
      { kind: 'warning', title: 'tiny worker crashed' },
    ])
    expect(useToastStore.getState().toasts[0].link).toBeUndefined()
    stop()
  })

  it('links a health alert to the Health page', () => {
    const fake = fakeClient({})
    provideClient(fake.client)
    const stop = startLiveUpdates(fake.client)
    fake.emit({ event: 'alert', payload: { level: 'warning', title: 'ext-1 is warning', message: 'Φ 0.30 below 0.65 for 3 snapshots', at: 1, page: 'health' } })
    fake.emit({ event: 'alert', payload: { level: 'info', title: 'odd', message: 'names no page we have', at: 2, page: 'nowhere' } })
    expect(useToastStore.getState().toasts).toMatchObject([
      { kind: 'warning', title: 'ext-1 is warning', message: 'Φ 0.30 below 0.65 for 3 snapshots', link: { href: '#health', label: 'Open Health' } },
      { kind: 'info', title: 'odd' },
    ])
    expect(useToastStore.getState().toasts[1].link).toBeUndefined()
    stop()
  })

  it('refetches workers on workers.changed once the page has loaded them, a burst at a time', async () => {
    const budget = { totalBytes: 1, usedBytes: 0, source: 'ram', description: 'RAM', gpus: [] }
    const fake = fakeClient({ 'worker.list': () => ({ workers: [], budget, queue: { depth: 0, max: 64 }, cores: 2 }) })
    provideClient(fake.client)
    const stop = startLiveUpdates(fake.client)
    const changed = { event: 'workers.changed', payload: { at: 1, reason: 'loaded' } } as const
    fake.emit(changed)
    await vi.advanceTimersByTimeAsync(500)
    expect(fake.calls.filter((c) => c.name === 'worker.list')).toHaveLength(0)
    await useWorkersStore.getState().refresh()
    for (let i = 0; i < 5; i++) fake.emit(changed)
    await vi.advanceTimersByTimeAsync(500)
    expect(fake.calls.filter((c) => c.name === 'worker.list')).toHaveLength(2)
    stop()
  })
})
