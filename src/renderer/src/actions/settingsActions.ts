import { wardenClient } from '../client/clientInstance'
import { toWardenError } from '../lib/toWardenError'
import { readField, type SettingField } from '../pages/settings/settingForm'
import { useSettingsStore } from '../stores/settingsStore'

export type ApplyOutcome =
  | { status: 'saved' }
  | { status: 'unchanged' }
  /** `check`: the contract's schema refused it here, nothing was sent; `host`: the host refused it. */
  | { status: 'refused'; by: 'check' | 'host'; problem: string }

/**
 * Change a setting from the Settings page: what was typed (`text`) or a value chosen outright (a
 * switch, "auto", the default). Checked here first; the host's refusal comes back as its message,
 * to show beside the field. Never throws.
 */
export async function applySetting(field: SettingField, input: { text: string } | { value: unknown }): Promise<ApplyOutcome> {
  const checked = 'text' in input ? readField(field.def, input.text) : { ok: true as const, value: input.value }
  if (!checked.ok) return { status: 'refused', by: 'check', problem: checked.problem }
  if (checked.value === field.row.value) return { status: 'unchanged' }
  if (typeof checked.value !== 'string' && typeof checked.value !== 'number' && typeof checked.value !== 'boolean') {
    return { status: 'refused', by: 'check', problem: 'give a number, text, true or false' }
  }
  try {
    const row = await wardenClient().call('config.set', { key: field.key, value: checked.value })
    useSettingsStore.getState().applied(row)
    return { status: 'saved' }
  } catch (thrown) {
    return { status: 'refused', by: 'host', problem: toWardenError(thrown).message }
  }
}
