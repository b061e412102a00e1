import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../test/fixtures'
import type { AnyEvent } from '../../../shared/contract/events'
import { SettingsStore } from '../settings/SettingsStore'
import { WardenDatabase } from '../storage/Database'
import { WardenHost } from './WardenHost'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

describe('settings.changed', () => {
  it('goes to every client on config.set, and when another process changed a setting', async () => {
    const host = new WardenHost({ home: tempDir('warden-home-'), runtime: 'server' })
    cleanups.push(() => host.shutdown())
    const seen: AnyEvent[] = []
    host.onEvent((e) => seen.push(e))
    const settingsEvents = () => seen.flatMap((e) => (e.event === 'settings.changed' ? [{ keys: e.payload.keys, source: e.payload.source }] : []))

    expect(await host.invoke('config.set', { key: 'maxQueueSize', value: '12' })).toMatchObject({ ok: true })
    expect(settingsEvents()).toEqual([{ keys: ['maxQueueSize'], source: 'operation' }])

    // Another process on the same home (`warden config set --local`): its own connection to the database.
    const other = new WardenDatabase(host.paths.database)
    cleanups.push(() => other.dispose())
    new SettingsStore(other).set('idleUnloadMinutes', 5)
    await expect.poll(settingsEvents, { timeout: 5000, interval: 100 }).toEqual([
      { keys: ['maxQueueSize'], source: 'operation' },
      { keys: ['idleUnloadMinutes'], source: 'elsewhere' },
    ])
    const got = await host.invoke('config.get', { key: 'idleUnloadMinutes' })
    expect(got).toMatchObject({ ok: true, value: { settings: [{ key: 'idleUnloadMinutes', value: 5, isDefault: false }] } })
  })
})
