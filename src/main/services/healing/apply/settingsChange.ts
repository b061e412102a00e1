import { GenerationSettings, settingDefs, type SettingKey } from '../../../../shared/contract/inference'
import type { Patch, PatchChange } from '../../../../shared/contract/domains/healing'
import { checkSetting } from '../../../../shared/contract/settingDefinition'
import { WardenError } from '../../../../shared/errors'
import { stableJson } from '../PatchStore'
import { commitApplied, commitRolledBack, type ApplyContext, type Decision } from './context'

type SettingsChange = Extract<PatchChange, { kind: 'settings' }>
type PersonaChange = Extract<PatchChange, { kind: 'persona' }>

/** `from` and `to` of each changed value, as a list. */
interface ValueChange {
  key: string
  from: unknown
  to: unknown
}

const shown = (v: unknown) => (JSON.stringify(v) ?? 'nothing').slice(0, 200)

/** Refuse, naming every value someone else changed since (the patch expected `expected`). */
function conflict(what: string, doing: 'apply' | 'roll back', changed: Array<{ key: string; expected: unknown; now: unknown }>): WardenError {
  const list = changed.map((c) => `${c.key} is ${shown(c.now)}, not ${shown(c.expected)}`).join('; ')
  return new WardenError('CONFLICT', `Cannot ${doing} this patch: ${what} changed since (${list})`, {
    hint: doing === 'apply' ? 'Nothing was changed. Reject this patch; the loop proposes again from the values as they are.' : 'Nothing was changed: someone else set these values after the patch was applied. Change them by hand if you still want the old ones.',
  })
}

/** The effective value of a setting in the database now (inside the caller's transaction). */
function settingNow(ctx: ApplyContext, key: SettingKey): unknown {
  const stored = ctx.store.database.getSetting<unknown>(`ai.${key}`)
  const parsed = stored === undefined ? null : settingDefs[key].schema.safeParse(stored)
  return parsed?.success ? parsed.data : settingDefs[key].default
}

function writeSettings(ctx: ApplyContext, changes: ValueChange[], doing: 'apply' | 'roll back'): void {
  const expect = doing === 'apply' ? 'from' : 'to'
  const write = doing === 'apply' ? 'to' : 'from'
  const checked = changes.map((c) => {
    const key = ctx.settings.requireKey(c.key)
    const value = checkSetting(settingDefs[key], c[write])
    if (!value.ok) throw new WardenError('INVALID_INPUT', `This patch would set ${key} to ${shown(c[write])}: ${value.problem}`, { hint: 'Nothing was changed. Reject this patch.' })
    return { key, now: settingNow(ctx, key), expected: c[expect], value: value.value }
  })
  const changed = checked.filter((c) => stableJson(c.now) !== stableJson(c.expected))
  if (changed.length) throw conflict('the settings', doing, changed)
  for (const c of checked) ctx.store.database.setSetting(`ai.${c.key}`, c.value)
}

function writePersona(ctx: ApplyContext, change: PersonaChange, doing: 'apply' | 'roll back'): void {
  const entries = Object.entries(change.settings ?? {})
  if (!entries.length) return
  const row = ctx.store.database.db.prepare('SELECT id, name, settings FROM personas WHERE name = ? COLLATE NOCASE').get(change.persona) as { id: string; name: string; settings: string } | undefined
  if (!row) throw new WardenError('NOT_FOUND', `No persona named ${JSON.stringify(change.persona)}`, { hint: 'Nothing was changed. The persona was renamed or deleted since the patch was made: reject it.' })
  const settings = GenerationSettings.parse(JSON.parse(row.settings)) as Record<string, unknown>
  const expect = doing === 'apply' ? 'from' : 'to'
  const write = doing === 'apply' ? 'to' : 'from'
  const changed = entries.filter(([key, v]) => stableJson(settings[key]) !== stableJson(v[expect])).map(([key, v]) => ({ key, expected: v[expect], now: settings[key] }))
  if (changed.length) throw conflict(`${row.name}'s settings`, doing, changed)
  const next = GenerationSettings.safeParse({ ...settings, ...Object.fromEntries(entries.map(([key, v]) => [key, v[write]])) })
  if (!next.success) throw new WardenError('INVALID_INPUT', `This patch would give ${row.name} settings that are not valid: ${next.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { hint: 'Nothing was changed. Reject this patch.' })
  ctx.store.database.db.prepare('UPDATE personas SET settings = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(next.data), ctx.now(), row.id)
}

/** Tell the settings' listeners (the workers, the UI) what the transaction changed. */
function settingsWritten(ctx: ApplyContext): void {
  ctx.settings.reload()
  ctx.settings.get()
}

/** Settings: written with the patch's status in one SQLite transaction (a crash leaves both or neither). */
export function applySettings(ctx: ApplyContext, patch: Patch, change: SettingsChange, decision: Decision): Patch {
  const out = commitApplied(ctx, patch, decision, null, () => writeSettings(ctx, change.changes, 'apply'))
  settingsWritten(ctx)
  return out
}

export function rollbackSettings(ctx: ApplyContext, patch: Patch, change: SettingsChange, decision: Decision): Patch {
  const out = commitRolledBack(ctx, patch, decision, () => writeSettings(ctx, change.changes, 'roll back'))
  settingsWritten(ctx)
  return out
}

/** A persona's settings (genome included): as settings, in one transaction with the status. */
export function applyPersonaSettings(ctx: ApplyContext, patch: Patch, change: PersonaChange, decision: Decision, undo: Record<string, unknown> | null = null): Patch {
  return commitApplied(ctx, patch, decision, undo, () => writePersona(ctx, change, 'apply'))
}

export function rollbackPersonaSettings(ctx: ApplyContext, patch: Patch, change: PersonaChange, decision: Decision): Patch {
  return commitRolledBack(ctx, patch, decision, () => writePersona(ctx, change, 'roll back'))
}
