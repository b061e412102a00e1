import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import type { ModuleVersions } from '../lib/types'
import { refetchGuard } from './refetchGuard'

interface DetailState {
  /** The module whose detail panel is open. */
  selected: string | null
  versions: ModuleVersions | null
  loading: boolean
  error: WardenError | null
  select(name: string | null): void
  reload(): Promise<void>
  reset(): void
}

/** The detail panel: which module, and its active state and every stored version. */
export const useDetailStore = create<DetailState>()((set, get) => {
  // Selecting another module resets the guard: an answer about the one before is dropped.
  const refetch = refetchGuard(
    async () => {
      const name = get().selected
      return name === null ? null : wardenClient().call('module.versions', { name })
    },
    {
      value: (versions) => {
        if (versions) set({ versions, loading: false, error: null })
      },
      error: (error) => set({ loading: false, error }),
    },
  )
  return {
    selected: null,
    versions: null,
    loading: false,
    error: null,
    select: (name) => {
      if (name === get().selected) return
      refetch.reset()
      set({ selected: name, versions: null, error: null, loading: name !== null })
      if (name !== null) void refetch.run()
    },
    reload: () => (get().selected === null ? Promise.resolve() : refetch.run()),
    reset: () => {
      refetch.reset()
      set({ selected: null, versions: null, loading: false, error: null })
    },
  }
})
