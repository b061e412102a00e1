import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import type { WorkerList } from '../lib/types'
import { guardedList } from './refetchGuard'

interface WorkersState {
  loaded: boolean
  list: WorkerList | null
  error: WardenError | null
  refresh(): Promise<void>
  reset(): void
}

const initial = { loaded: false, list: null, error: null }

/** Worker processes, the memory budget and the queue (`worker.list`); polled every second by its page. */
export const useWorkersStore = create<WorkersState>()((set) => ({
  ...initial,
  ...guardedList(set, initial, () => wardenClient().call('worker.list', {}), (list) => ({ list })),
}))
