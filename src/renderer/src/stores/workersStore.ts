import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import { toWardenError } from '../lib/toWardenError'
import type { WorkerList } from '../lib/types'

interface WorkersState {
  loaded: boolean
  list: WorkerList | null
  error: WardenError | null
  refresh(): Promise<void>
  reset(): void
}

let generation = 0
/** The refresh in flight: polling every second must not pile calls up behind a slow host. */
let inFlight: Promise<void> | null = null
/** Asked again while one was in flight (after an action): the answer in flight may predate it. */
let again = false

const initial = { loaded: false, list: null, error: null }

/** Worker processes, the memory budget and the queue (`worker.list`). */
export const useWorkersStore = create<WorkersState>()((set, get) => ({
  ...initial,
  refresh: () => {
    if (inFlight) {
      again = true
      return inFlight
    }
    const mine = ++generation
    inFlight = (async () => {
      try {
        const list = await wardenClient().call('worker.list', {})
        if (mine === generation) set({ loaded: true, list, error: null })
      } catch (error) {
        if (mine === generation) set({ loaded: true, error: toWardenError(error) })
      } finally {
        inFlight = null
        if (again) {
          again = false
          void get().refresh()
        }
      }
    })()
    return inFlight
  },
  reset: () => {
    generation++
    inFlight = null
    again = false
    set(initial)
  },
}))
