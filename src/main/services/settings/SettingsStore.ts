import { settingDefs, settingKeys, type SettingKey, type Settings } from '../../../shared/contract/inference'
import { describeIssues } from '../../../shared/contract/validate'
import { WardenError } from '../../../shared/errors'
import type { WardenDatabase } from '../storage/Database'

const PREFIX = 'ai.'

export interface SettingRow {
  key: SettingKey
  value: unknown
  default: unknown
  description: string
  isDefault: boolean
}

/** The seed's AICapabilities, stored in the database's settings table; read fresh on every use. */
export class SettingsStore {
  private cache: Settings | null = null
  /** SQLite's data_version: it changes when another process (a CLI, the app) commits. */
  private cachedAt = -1
  private readonly listeners = new Set<(key: SettingKey) => void>()

  constructor(private readonly database: WardenDatabase) {}

  get(): Settings {
    const version = this.database.db.pragma('data_version', { simple: true }) as number
    if (this.cache && version === this.cachedAt) return this.cache
    this.cachedAt = version
    const out: Record<string, unknown> = {}
    for (const key of settingKeys) {
      const stored = this.database.getSetting<unknown>(PREFIX + key)
      const parsed = stored === undefined ? null : settingDefs[key].schema.safeParse(stored)
      out[key] = parsed?.success ? parsed.data : settingDefs[key].default
    }
    this.cache = out as Settings
    return this.cache
  }

  /** Invalidate after another process may have changed them (the CLI attached or not). */
  reload(): void {
    this.cache = null
  }

  row(key: SettingKey): SettingRow {
    const value = this.get()[key]
    const def = settingDefs[key].default
    return { key, value, default: def, description: settingDefs[key].description, isDefault: value === def }
  }

  rows(): SettingRow[] {
    return settingKeys.map((k) => this.row(k))
  }

  requireKey(key: string): SettingKey {
    if (!(settingKeys as string[]).includes(key)) {
      throw new WardenError('INVALID_INPUT', `Unknown setting ${JSON.stringify(key)}`, { hint: `Settings: ${settingKeys.join(', ')}` })
    }
    return key as SettingKey
  }

  set(key: string, raw: unknown): SettingRow {
    const k = this.requireKey(key)
    const parsed = settingDefs[k].schema.safeParse(raw)
    if (!parsed.success) {
      throw new WardenError('INVALID_INPUT', `${k} cannot be ${JSON.stringify(raw)}: ${describeIssues(parsed.error)}`, { hint: settingDefs[k].description })
    }
    this.database.setSetting(PREFIX + k, parsed.data)
    this.cache = null
    for (const l of this.listeners) l(k)
    return this.row(k)
  }

  onChange(listener: (key: SettingKey) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
