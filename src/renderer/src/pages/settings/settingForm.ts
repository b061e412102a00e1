import { checkSetting, settingGroups, type SettingCheck, type SettingDefinition, type SettingGroup } from '../../../../shared/contract/settingDefinition'
import type { SettingRow } from '../../lib/types'

export interface SettingField {
  key: string
  def: SettingDefinition
  row: SettingRow
}

export interface SettingSection {
  group: SettingGroup
  description: string
  fields: SettingField[]
}

/**
 * The page's sections: the contract's groups in their order, each with its settings in the
 * contract's order. Everything comes from `defs`, so a new setting needs no change to the page;
 * a setting the host does not report (an older host) is left out.
 */
export function settingSections(defs: Readonly<Record<string, SettingDefinition>>, rows: readonly SettingRow[]): SettingSection[] {
  const byKey = new Map(rows.map((r) => [r.key, r]))
  return (Object.keys(settingGroups) as SettingGroup[])
    .map((group) => ({
      group,
      description: settingGroups[group],
      fields: Object.entries(defs).flatMap(([key, def]) => {
        const row = byKey.get(key)
        return def.group === group && row ? [{ key, def, row }] : []
      }),
    }))
    .filter((s) => s.fields.length > 0)
}

/** A value as a person reads it: "4,096 MB", "detect", "on", "auto", or what an empty path means. */
export function formatSetting(def: SettingDefinition, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off'
  if (typeof value === 'number') {
    if (value === 0 && def.zero) return def.zero
    return def.unit ? `${value.toLocaleString('en-US')} ${def.unit}` : value.toLocaleString('en-US')
  }
  if (value === '') return def.empty ?? 'empty'
  return String(value)
}

/** What the field holds for a value: its digits, its path; empty for "auto" (the mode says it). */
export function fieldText(value: unknown): string {
  if (value === 'auto') return ''
  return typeof value === 'number' || typeof value === 'string' ? String(value) : ''
}

/**
 * What a person typed, checked with the setting's own schema before anything is sent (the host
 * checks again with the same one). Numbers are read from text exactly as the CLI reads them.
 */
export function readField(def: SettingDefinition, text: string): SettingCheck<unknown> {
  const free = def.input === 'path' || def.input === 'text'
  const raw = free ? text.trim() : text.trim().replace(/[\s,_]/g, '')
  if (raw === '' && !free) return { ok: false, problem: 'give a number' }
  return checkSetting(def, raw)
}
