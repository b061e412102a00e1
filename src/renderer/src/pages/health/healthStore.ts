import { create } from 'zustand'
import type { HealthSummary } from '../../../../shared/contract/domains/health'
import type { OperationOutput } from '../../../../shared/contract/operations'
import type { WardenError } from '../../../../shared/errors'
import { wardenClient } from '../../client/clientInstance'
import { guardedList, refetchGuard } from '../../stores/refetchGuard'
import { windowQuery, type HealthRange, type HistoryWindow } from './healthView'

export type HealthHistory = OperationOutput<'health.history'>

interface HealthState {
  loaded: boolean
  summary: HealthSummary | null
  error: WardenError | null
  /** The source whose charts show; the first (worst) one until the person picks one. */
  selected: string | null
  /** The charts' time window: a range back from now, or a zoomed part of one. */
  timeWindow: HistoryWindow
  /** The range a zoom came from: "back" returns to it. */
  range: HealthRange
  /** Points to ask for: about the charts' width in pixels; null until the charts are laid out (no history is fetched before). */
  points: number | null
  history: HealthHistory | null
  historyError: WardenError | null
  refresh(): Promise<void>
  refreshHistory(): Promise<void>
  select(source: string): void
  setRange(range: HealthRange): void
  zoom(from: number, to: number): void
  unzoom(): void
  setPoints(points: number): void
  reset(): void
}

const initial = {
  loaded: false,
  summary: null,
  error: null,
  selected: null,
  timeWindow: { range: '1h' } as HistoryWindow,
  range: '1h' as HealthRange,
  points: null as number | null,
  history: null,
  historyError: null,
}

/**
 * The Health page: every source's status (`health.summary`) and the selected source's history
 * (`health.history`) over the chosen window. Refetched on `health.changed` (healthLive.ts); a zoomed
 * window is absolute, so a refetch keeps it.
 */
export const useHealthStore = create<HealthState>()((set, get) => {
  const history = refetchGuard(
    () => {
      const { selected, timeWindow, points } = get()
      if (!selected || points === null) return Promise.resolve(null)
      return wardenClient().call('health.history', { source: selected, points, ...windowQuery(timeWindow) })
    },
    {
      value: (h) => set({ history: h, historyError: null }),
      error: (historyError) => set({ historyError }),
    },
  )
  /** A new source or window: answers for the old one are dropped, and the charts wait for the new one. */
  const restartHistory = () => {
    history.reset()
    set({ history: null, historyError: null })
    void history.run()
  }
  const summary = guardedList<HealthState, HealthSummary>(set, initial, () => wardenClient().call('health.summary', { watch: false }), (s) => {
    const selected = get().selected
    const keep = selected !== null && s.sources.some((x) => x.source === selected)
    return { summary: s, selected: keep ? selected : (s.sources[0]?.source ?? null) }
  })
  return {
    ...initial,
    refresh: async () => {
      const before = get().selected
      await summary.refresh()
      if (get().selected !== before) restartHistory()
    },
    refreshHistory: () => history.run(),
    select: (source) => {
      if (source === get().selected) return
      set({ selected: source })
      restartHistory()
    },
    setRange: (range) => {
      set({ range, timeWindow: { range } })
      restartHistory()
    },
    zoom: (from, to) => {
      set({ timeWindow: { from, to } })
      restartHistory()
    },
    unzoom: () => {
      set({ timeWindow: { range: get().range } })
      restartHistory()
    },
    setPoints: (points) => {
      if (points === get().points) return
      set({ points })
      if (get().selected) restartHistory()
    },
    reset: () => {
      history.reset()
      summary.reset()
      set(initial)
    },
  }
})
