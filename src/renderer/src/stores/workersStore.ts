import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import type { WorkerList } from '../lib/types'
import { refetchGuard } from './refetchGuard'

interface WorkersState {
  loaded: boolean
  list: WorkerList | null
  error: WardenError | null
  refresh(): Promise<void>
  reset(): void
}

const initial = { loaded: false, list: null, error: null }

/** Worker processes, the memory budget and the queue (`worker.list`); polled every second by its page. */
export const useWorkersStore = create<WorkersState>()((set) => {
  const refetch = refetchGuard(() => wardenClient().call('worker.list', {}), {
    value: (list) => set({ loaded: true, list, error: null }),
    error: (error) => set({ loaded: true, error }),
  })
  return {
    ...initial,
    refresh: refetch.run,
    reset: () => {
      refetch.reset()
      set(initial)
    },
  }
})
