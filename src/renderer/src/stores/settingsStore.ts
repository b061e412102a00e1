import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import type { SettingRow } from '../lib/types'
import { guardedList } from './refetchGuard'

interface SettingsState {
  loaded: boolean
  /** Every setting's value, default and description (`config.get`), in the contract's order. */
  rows: SettingRow[]
  error: WardenError | null
  refresh(): Promise<void>
  /** Take the row `config.set` answered with, before the refetch that `settings.changed` brings. */
  applied(row: SettingRow): void
  reset(): void
}

const initial = { loaded: false, rows: [], error: null }

/** The settings (`config.get`), kept current by `settings.changed` from any window, the CLI or the API. */
export const useSettingsStore = create<SettingsState>()((set) => ({
  ...initial,
  ...guardedList(set, initial, () => wardenClient().call('config.get', {}), ({ settings }) => ({ rows: settings })),
  applied: (row) => set((s) => ({ rows: s.rows.map((r) => (r.key === row.key ? row : r)) })),
}))
