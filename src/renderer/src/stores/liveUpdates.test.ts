import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { provideClient } from '../client/clientInstance'
import { fakeClient } from '../testing/fakeClient'
import { startLiveUpdates } from './liveUpdates'
import { useModulesStore } from './modulesStore'
import { useProgressStore } from './progressStore'

const changed = { event: 'modules.changed', payload: { workspace: '/w', source: 'disk', at: 1 } } as const

describe('live updates', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    useModulesStore.getState().reset()
    useProgressStore.getState().reset()
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
})
