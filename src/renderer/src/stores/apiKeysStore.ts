import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import { toWardenError } from '../lib/toWardenError'
import type { ApiKeyInfo } from '../lib/types'

interface ApiKeysState {
  loaded: boolean
  keys: ApiKeyInfo[]
  /** Base URL of the OpenAI-compatible API, when a Warden server runs for this home. */
  endpoint: string | null
  error: WardenError | null
  refresh(): Promise<void>
  reset(): void
}

let generation = 0

const initial = { loaded: false, keys: [], endpoint: null, error: null }

/** The OpenAI endpoint's API keys (`apiKey.list`): names and first characters, never the keys. */
export const useApiKeysStore = create<ApiKeysState>()((set) => ({
  ...initial,
  refresh: async () => {
    const mine = ++generation
    try {
      const { keys, endpoint } = await wardenClient().call('apiKey.list', {})
      if (mine === generation) set({ loaded: true, keys, endpoint, error: null })
    } catch (error) {
      if (mine === generation) set({ loaded: true, error: toWardenError(error) })
    }
  },
  reset: () => {
    generation++
    set(initial)
  },
}))
