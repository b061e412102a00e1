import { create } from 'zustand'
import type { HealingStatus, Patch, Strategy, SupervisorDecision } from '../../../../shared/contract/domains/healing'
import type { WardenError } from '../../../../shared/errors'
import { wardenClient } from '../../client/clientInstance'
import { guardedList } from '../../stores/refetchGuard'

export type QueueView = 'pending' | 'applied' | 'all'

interface HealingState {
  loaded: boolean
  error: WardenError | null
  status: HealingStatus | null
  /** The queue of the chosen view (`healing.proposals`), newest first. */
  patches: Patch[]
  /** The supervisor's decisions (`healing.history`), newest first. */
  decisions: SupervisorDecision[]
  view: QueueView
  source: string | null
  strategy: Strategy | null
  refresh(): Promise<void>
  setView(view: QueueView): void
  setSource(source: string | null): void
  setStrategy(strategy: Strategy | null): void
  reset(): void
}

const initial = { loaded: false, error: null, status: null, patches: [] as Patch[], decisions: [] as SupervisorDecision[] }

/**
 * The Healing page: the loop's state and gates (`healing.status`), the proposal queue of the chosen
 * view (`healing.proposals`; source and strategy filter what it holds) and the supervisor's decisions
 * (`healing.history`), fetched together. Refetched on `healing.changed` (healingLive.ts).
 */
export const useHealingStore = create<HealingState>()((set, get) => {
  const list = guardedList<HealingState, Pick<HealingState, 'status' | 'patches' | 'decisions'>>(
    set,
    initial,
    async () => {
      const client = wardenClient()
      const [status, proposals, history] = await Promise.all([
        client.call('healing.status', {}),
        client.call('healing.proposals', { status: get().view, limit: 200 }),
        client.call('healing.history', { limit: 50 }),
      ])
      return { status, patches: proposals.patches, decisions: history.decisions }
    },
    (v) => v,
  )
  return {
    ...initial,
    view: 'pending',
    source: null,
    strategy: null,
    refresh: list.refresh,
    setView: (view) => {
      if (view === get().view) return
      set({ view, patches: [] })
      void list.refresh()
    },
    setSource: (source) => set({ source }),
    setStrategy: (strategy) => set({ strategy }),
    reset: () => {
      list.reset()
      set({ view: 'pending', source: null, strategy: null })
    },
  }
})
