import { create } from 'zustand'
import type { OperationOutput } from '../../../../shared/contract/operations'
import type { WardenError } from '../../../../shared/errors'
import { wardenClient } from '../../client/clientInstance'
import { guardedList } from '../../stores/refetchGuard'

export type AdapterRow = OperationOutput<'adapter.list'>['adapters'][number]

interface GenomeState {
  loaded: boolean
  adapters: AdapterRow[]
  /** Adapter files or records the registry could not read. */
  problems: string[]
  dir: string | null
  error: WardenError | null
  /** What a file dropped on the window said: its path for the field, or why there is none. */
  dropped: { path: string | null; name: string } | null
  refresh(): Promise<void>
  drop(d: { path: string | null; name: string } | null): void
  reset(): void
}

const initial = { loaded: false, adapters: [], problems: [], dir: null, error: null }

/** The LoRA adapters (`adapter.list`). */
export const useGenomeStore = create<GenomeState>()((set) => ({
  ...initial,
  dropped: null,
  ...guardedList(set, initial, () => wardenClient().call('adapter.list', {}), (out) => ({ adapters: out.adapters, problems: out.problems, dir: out.dir })),
  drop: (dropped) => set({ dropped }),
}))
