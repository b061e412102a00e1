import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import type { ApiKeyInfo } from '../lib/types'
import { guardedList } from './refetchGuard'

interface ApiKeysState {
  loaded: boolean
  keys: ApiKeyInfo[]
  /** Base URL of the OpenAI-compatible API, when a Warden server runs for this home. */
  endpoint: string | null
  error: WardenError | null
  refresh(): Promise<void>
  reset(): void
}

const initial = { loaded: false, keys: [], endpoint: null, error: null }

/** The OpenAI endpoint's API keys (`apiKey.list`): names and first characters, never the keys. */
export const useApiKeysStore = create<ApiKeysState>()((set) => ({
  ...initial,
  ...guardedList(set, initial, () => wardenClient().call('apiKey.list', {}), ({ keys, endpoint }) => ({ keys, endpoint })),
}))
