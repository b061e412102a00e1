import { settingDefs, settingKeys, type SettingKey, type Settings } from '../../../shared/contract/inference'
import { checkSetting } from '../../../shared/contract/settingDefinition'
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

/** Which settings changed, and whether through this store (`operation`) or by another process (`elsewhere`). */
export interface SettingsChange {
  keys: SettingKey[]
  source: 'operation' | 'elsewhere'
}

/** How often `watch` looks for changes by other processes. */
const WATCH_INTERVAL_MS = 1000

/** The seed's AICapabilities, stored in the database's settings table; read fresh on every use. */
export class SettingsStore {
  private cache: Settings | null = null
  /** SQLite's data_version: it changes when another process (a CLI, the app) commits. */
  private cachedAt = -1
  /** The values listeners were last told about, to name what another process changed. */
  private known: Settings | null = null
  private readonly listeners = new Set<(change: SettingsChange) => void>()

  constructor(private readonly database: WardenDatabase) {}

  get(): Settings {
    return this.read('elsewhere')
  }

  /** The settings, re-read when the database changed; a value that differs from the last read is a change from `source`. */
  private read(source: SettingsChange['source']): Settings {
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
    const before = this.known
    this.known = this.cache
    const changed = before ? settingKeys.filter((k) => before[k] !== this.cache![k]) : []
    if (changed.length) this.tell({ keys: changed, source })
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
    const checked = checkSetting(settingDefs[k], raw)
    if (!checked.ok) {
      throw new WardenError('INVALID_INPUT', `${k} cannot be ${JSON.stringify(raw)}: ${checked.problem}`, { hint: settingDefs[k].description })
    }
    this.get() // what other processes changed before is theirs
    this.database.setSetting(PREFIX + k, checked.value)
    this.cache = null
    this.read('operation')
    return this.row(k)
  }

  /** Called with every change of a value: set here, or noticed (by `get` or `watch`) after another process set it. */
  onDidChange(listener: (change: SettingsChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Notice changes other processes make (`warden config set --local` beside a running app) within
   * about a second, without waiting for the next read. Asking SQLite's data_version is cheap, and
   * unlike a watch on the database's files it never misses a commit. Returns the function that stops.
   */
  watch(intervalMs = WATCH_INTERVAL_MS): () => void {
    this.get()
    const timer = setInterval(() => {
      // The database closed under us (shutdown without stopping the watch): nothing is left to watch.
      if (!this.database.db.open) return clearInterval(timer)
      try {
        this.get()
      } catch {
        // A read that failed now (the disk busy) is tried again on the next tick.
      }
    }, intervalMs)
    timer.unref()
    return () => clearInterval(timer)
  }

  private tell(change: SettingsChange): void {
    for (const l of [...this.listeners]) l(change)
  }
}
