import { beforeEach, describe, expect, it } from 'vitest'
import type { AnyEvent } from '../../../../shared/contract/events'
import { settingDefs } from '../../../../shared/contract/inference'
import type { SettingDefinition } from '../../../../shared/contract/settingDefinition'
import { WardenError } from '../../../../shared/errors'
import { applySetting } from '../../actions/settingsActions'
import { provideClient } from '../../client/clientInstance'
import type { SettingRow } from '../../lib/types'
import { startLiveUpdates } from '../../stores/liveUpdates'
import { useSettingsStore } from '../../stores/settingsStore'
import { fakeClient } from '../../testing/fakeClient'
import { fieldText, formatSetting, readField, settingSections, type SettingField } from './settingForm'

/** The rows `config.get` answers for `defs`, every value at its default. */
function rowsOf(defs: Record<string, SettingDefinition>): SettingRow[] {
  return Object.entries(defs).map(([key, d]) => ({ key, value: d.default, default: d.default, description: d.description, isDefault: true }))
}

function field(key: keyof typeof settingDefs, value?: unknown): SettingField {
  const def: SettingDefinition = settingDefs[key]
  const v = value === undefined ? def.default : value
  return { key, def, row: { key, value: v, default: def.default, description: def.description, isDefault: v === def.default } }
}

describe('the settings form', () => {
  it('shows every setting of the contract once, by group in the contract’s order', () => {
    const sections = settingSections(settingDefs, rowsOf(settingDefs))
    expect(sections.map((s) => s.group).slice(0, 4)).toEqual(['Memory', 'Workers', 'Requests', 'Models'])
    expect(sections.flatMap((s) => s.fields.map((f) => f.key)).sort()).toEqual(Object.keys(settingDefs).sort())
    expect(sections[0].fields.map((f) => f.key)).toEqual(['maxVRAM', 'maxRAMPerWorker', 'gpuLayers'])
    expect(sections[0].description).toMatch(/memory/)
  })

  it('shows a setting added to the contract with no change to the page', () => {
    const keepDays: SettingDefinition = {
      schema: settingDefs.archiveAfterDays.schema,
      default: 30,
      description: 'Archive hibernations older than this; 0 = never',
      label: 'Archive hibernations after',
      group: 'Modules',
      unit: 'days',
      zero: 'never',
      input: 'number',
    }
    const defs = { ...settingDefs, keepDays }
    const sections = settingSections(defs, rowsOf(defs))
    const modules = sections.find((s) => s.group === 'Modules')!
    expect(modules.fields.at(-1)).toMatchObject({ key: 'keepDays', row: { value: 30 } })
    expect(formatSetting(keepDays, 30)).toBe('30 days')
    expect(formatSetting(keepDays, 0)).toBe('never')
    expect(readField(keepDays, '-1')).toEqual({ ok: false, problem: 'at least 0 days' })
    // A setting the host does not know yet (an older host) is left out, not shown broken.
    const keys = settingSections(defs, rowsOf(settingDefs)).flatMap((s) => s.fields.map((f) => f.key))
    expect(keys).not.toContain('keepDays')
    expect(keys.length).toBe(Object.keys(settingDefs).length)
  })

  it('says values the way a person reads them: unit, what 0 and empty mean, on/off', () => {
    expect(formatSetting(settingDefs.maxRAMPerWorker, 4096)).toBe('4,096 MB')
    expect(formatSetting(settingDefs.maxVRAM, 0)).toBe('detect')
    expect(formatSetting(settingDefs.idleUnloadMinutes, 0)).toBe('never')
    expect(formatSetting(settingDefs.requestTimeoutMs, 300000)).toBe('300,000 ms')
    expect(formatSetting(settingDefs.autoInstallModels, true)).toBe('on')
    expect(formatSetting(settingDefs.modelStoragePath, '')).toBe('$WARDEN_HOME/models')
    expect(formatSetting(settingDefs.gpuLayers, 'auto')).toBe('auto')
    expect(fieldText(2048)).toBe('2048')
    expect(fieldText('auto')).toBe('')
  })

  it('checks what was typed with the setting’s own schema, naming the limit and its unit', () => {
    expect(readField(settingDefs.requestTimeoutMs, '5000')).toEqual({ ok: true, value: 5000 })
    expect(readField(settingDefs.requestTimeoutMs, ' 120,000 ')).toEqual({ ok: true, value: 120000 })
    expect(readField(settingDefs.requestTimeoutMs, '10')).toEqual({ ok: false, problem: 'at least 1000 ms' })
    expect(readField(settingDefs.requestTimeoutMs, '999999999')).toEqual({ ok: false, problem: 'at most 24 hours (86400000 ms)' })
    expect(readField(settingDefs.maxConcurrentWorkers, '65')).toEqual({ ok: false, problem: 'at most 64 workers' })
    expect(readField(settingDefs.maxRAMPerWorker, '1.5')).toEqual({ ok: false, problem: 'give a whole number' })
    expect(readField(settingDefs.maxVRAM, 'lots')).toEqual({ ok: false, problem: 'give a number' })
    expect(readField(settingDefs.maxVRAM, '')).toEqual({ ok: false, problem: 'give a number' })
    expect(readField(settingDefs.gpuLayers, '12')).toEqual({ ok: true, value: 12 })
    expect(readField(settingDefs.modelStoragePath, 'models')).toEqual({ ok: false, problem: 'give an absolute folder path (or "" for the default)' })
    expect(readField(settingDefs.modelStoragePath, '')).toEqual({ ok: true, value: '' })
  })
})

describe('applying a setting', () => {
  beforeEach(() => useSettingsStore.getState().reset())

  it('sends nothing when the schema refuses it here', async () => {
    const fake = fakeClient({})
    provideClient(fake.client)
    expect(await applySetting(field('requestTimeoutMs'), { text: '10' })).toEqual({ status: 'refused', by: 'check', problem: 'at least 1000 ms' })
    expect(await applySetting(field('requestTimeoutMs'), { text: '300000' })).toEqual({ status: 'unchanged' })
    expect(fake.calls).toEqual([])
  })

  it('applies a change and shows the host’s answer at once', async () => {
    const fake = fakeClient({
      'config.get': () => ({ settings: rowsOf(settingDefs) }),
      'config.set': (input) => {
        const { key, value } = input as { key: string; value: unknown }
        return { key, value, default: 64, description: 'Requests waiting at most; more are refused as busy', isDefault: value === 64 }
      },
    })
    provideClient(fake.client)
    await useSettingsStore.getState().refresh()
    expect(await applySetting(field('maxQueueSize'), { text: '12' })).toEqual({ status: 'saved' })
    expect(fake.calls.at(-1)).toMatchObject({ name: 'config.set', input: { key: 'maxQueueSize', value: 12 } })
    expect(useSettingsStore.getState().rows.find((r) => r.key === 'maxQueueSize')).toMatchObject({ value: 12, isDefault: false })
    await applySetting(field('autoInstallModels'), { value: false })
    expect(fake.calls.at(-1)).toMatchObject({ input: { key: 'autoInstallModels', value: false } })
  })

  it('keeps the host’s refusal, in its words, to show beside the field', async () => {
    const fake = fakeClient({
      'config.set': () => {
        throw new WardenError('INVALID_INPUT', 'modelStoragePath cannot be "/proc/x": the folder cannot be created')
      },
    })
    provideClient(fake.client)
    expect(await applySetting(field('modelStoragePath'), { text: '/proc/x' })).toEqual({
      status: 'refused',
      by: 'host',
      problem: 'modelStoragePath cannot be "/proc/x": the folder cannot be created',
    })
  })

  it('follows settings.changed from other windows and the CLI once the page has loaded them', async () => {
    let queue = 64
    const fake = fakeClient({ 'config.get': () => ({ settings: rowsOf(settingDefs).map((r) => (r.key === 'maxQueueSize' ? { ...r, value: queue, isDefault: queue === 64 } : r)) }) })
    provideClient(fake.client)
    const stop = startLiveUpdates(fake.client)
    const changed: AnyEvent = { event: 'settings.changed', payload: { keys: ['maxQueueSize'], source: 'elsewhere', at: 1 } }
    fake.emit(changed)
    expect(fake.calls).toEqual([]) // never opened: nothing to keep current
    await useSettingsStore.getState().refresh()
    queue = 7
    fake.emit(changed)
    await expect.poll(() => useSettingsStore.getState().rows.find((r) => r.key === 'maxQueueSize')?.value).toBe(7)
    stop()
  })
})
