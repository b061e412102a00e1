import { create } from 'zustand'
import type { EventPayload } from '../../../shared/contract/events'

export interface RunningOperation {
  callId: string
  /** What the person asked for, e.g. "Hibernating old-feature". */
  label: string
  /** The latest progress message from the host. */
  message: string | null
  /** 0–1 where known; null shows an indeterminate bar. */
  fraction: number | null
}

interface ProgressState {
  running: RunningOperation[]
  start(callId: string, label: string): void
  update(payload: EventPayload<'operation.progress'>): void
  finish(callId: string): void
  reset(): void
}

/** Long work started from this window, fed by `operation.progress` events for its call ids. */
export const useProgressStore = create<ProgressState>()((set) => ({
  running: [],
  start: (callId, label) => set((s) => ({ running: [...s.running, { callId, label, message: null, fraction: null }] })),
  update: (p) =>
    set((s) =>
      s.running.some((r) => r.callId === p.callId)
        ? { running: s.running.map((r) => (r.callId === p.callId ? { ...r, message: p.message, fraction: p.fraction } : r)) }
        : s,
    ),
  finish: (callId) => set((s) => ({ running: s.running.filter((r) => r.callId !== callId) })),
  reset: () => set({ running: [] }),
}))
