import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HealingStatus } from '../../../../shared/contract/domains/healing'
import type { AnyEvent } from '../../../../shared/contract/events'
import { provideClient } from '../../client/clientInstance'
import { startLiveUpdates } from '../../stores/liveUpdates'
import { fakeClient } from '../../testing/fakeClient'
import { useHealingStore } from './healingStore'

const status: HealingStatus = {
  running: false,
  intervalMinutes: 5,
  lastRunAt: null,
  nextRunAt: null,
  autoApply: { enabled: false, kinds: [], allowed: false, why: 'Auto-apply needs phase gate 3' },
  counts: { proposed: 0, applied: 0, rolledBack: 0, rejected: 0, successRate: null },
  gates: [],
}
const changed: AnyEvent = { event: 'healing.changed', payload: { at: 1, patchId: 'p-abcd', reason: 'proposed' } }

describe('healing live updates', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    useHealingStore.getState().reset()
  })
  afterEach(() => vi.useRealTimers())

  it('refetches the page at most once a second on healing.changed, and the chosen view', async () => {
    const fake = fakeClient({
      'healing.status': () => status,
      'healing.proposals': () => ({ patches: [] }),
      'healing.history': () => ({ patches: [], decisions: [] }),
    })
    provideClient(fake.client)
    const stop = startLiveUpdates(fake.client)
    const calls = (name: string) => fake.calls.filter((c) => c.name === name)

    // Not open yet: nothing is fetched.
    fake.emit(changed)
    await vi.advanceTimersByTimeAsync(1500)
    expect(calls('healing.status')).toHaveLength(0)

    await useHealingStore.getState().refresh()
    useHealingStore.getState().setView('applied')
    await vi.advanceTimersByTimeAsync(0)
    const before = calls('healing.proposals').length
    for (let i = 0; i < 30; i++) fake.emit(changed)
    await vi.advanceTimersByTimeAsync(0)
    expect(calls('healing.proposals').length - before).toBe(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls('healing.proposals').length - before).toBe(2)
    expect(calls('healing.proposals').at(-1)!.input).toMatchObject({ status: 'applied' })
    stop()
  })
})
