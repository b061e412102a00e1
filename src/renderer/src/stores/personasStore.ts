import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import { toWardenError } from '../lib/toWardenError'
import type { Persona } from '../lib/types'

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

let generation = 0

const initial = { loaded: false, personas: [], error: null, selected: null }

/** Personas (`persona.list`) and which one is open. */
export const usePersonasStore = create<PersonasState>()((set, get) => ({
  ...initial,
  refresh: async () => {
    const mine = ++generation
    try {
      const { personas } = await wardenClient().call('persona.list', {})
      if (mine !== generation) return
      const selected = get().selected
      // Keep the open persona; when it is gone (deleted elsewhere) or none is open, open the first.
      const keep = selected !== null && personas.some((p) => p.name === selected)
      set({ loaded: true, personas, error: null, selected: keep ? selected : (personas[0]?.name ?? null) })
    } catch (error) {
      if (mine === generation) set({ loaded: true, error: toWardenError(error) })
    }
  },
  select: (name) => set({ selected: name }),
  reset: () => {
    generation++
    set(initial)
  },
}))
