import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import { toWardenError } from '../lib/toWardenError'
import type { ModuleVersions } from '../lib/types'

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
export const useDetailStore = create<DetailState>()((set, get) => ({
  selected: null,
  versions: null,
  loading: false,
  error: null,
  select: (name) => {
    if (name === get().selected) return
    set({ selected: name, versions: null, error: null, loading: name !== null })
    if (name !== null) void get().reload()
  },
  reload: async () => {
    const name = get().selected
    if (name === null) return
    try {
      const versions = await wardenClient().call('module.versions', { name })
      if (get().selected === name) set({ versions, loading: false, error: null })
    } catch (error) {
      if (get().selected === name) set({ loading: false, error: toWardenError(error) })
    }
  },
  reset: () => set({ selected: null, versions: null, loading: false, error: null }),
}))
