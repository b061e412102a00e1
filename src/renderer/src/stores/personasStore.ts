import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import type { Persona } from '../lib/types'
import { guardedList } from './refetchGuard'

interface PersonasState {
  loaded: boolean
  personas: Persona[]
  error: WardenError | null
  /** The persona whose conversation shows. */
  selected: string | null
  refresh(): Promise<void>
  select(name: string | null): void
  reset(): void
}

const initial = { loaded: false, personas: [], error: null, selected: null }

/** Personas (`persona.list`) and which one is open. */
export const usePersonasStore = create<PersonasState>()((set, get) => ({
  ...initial,
  ...guardedList(set, initial, () => wardenClient().call('persona.list', {}), ({ personas }) => {
    const selected = get().selected
    // Keep the open persona; when it is gone (deleted elsewhere) or none is open, open the first.
    const keep = selected !== null && personas.some((p) => p.name === selected)
    return { personas, selected: keep ? selected : (personas[0]?.name ?? null) }
  }),
  select: (name) => set({ selected: name }),
}))
