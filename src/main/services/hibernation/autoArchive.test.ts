import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir, writeModule } from '../../../../test/fixtures'
import { waitFor } from '../../../../test/inference'
import type { AnyEvent } from '../../../shared/contract/events'
import type { OperationInput, OperationName, OperationOutput } from '../../../shared/contract/operations'
import { WardenError } from '../../../shared/errors'
import { WardenHost, type Runtime } from '../host/WardenHost'
import { SettingsStore } from '../settings/SettingsStore'
import { WardenDatabase } from '../storage/Database'
import { homePaths } from '../storage/paths'
import { UsageStore } from '../storage/UsageStore'
import { Workspace } from '../workspace/Workspace'
import { AutoArchiver } from './AutoArchiver'
import { HibernationService } from './HibernationService'

// The seed's "Hibernated (< 30d) → Archived" policy, with real files, real SQLite and a moved clock.

const DAY = 86_400_000
const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

/** A workspace, a home and a clock shared by the hosts a test starts (the app, the server, the CLI). */
function world() {
  const ws = tempDir('warden-ws-')
  const home = tempDir('warden-home-')
  const clock = { now: Date.now() }
  async function host(runtime: Runtime) {
    const h = new WardenHost({ home, runtime, watch: false, now: () => clock.now, inference: { detectGpus: async () => [] } })
    cleanups.push(() => h.shutdown())
    const events: AnyEvent[] = []
    h.onEvent((e) => events.push(e))
    await h.openWorkspace(ws)
    async function call<K extends OperationName>(name: K, input: OperationInput<K>): Promise<OperationOutput<K>> {
      const r = await h.invoke(name, input)
      if (!r.ok) throw WardenError.from(r.error)
      return r.value as OperationOutput<K>
    }
    return { host: h, call, events }
  }
  return { ws, home, clock, host, archiveDir: path.join(home, 'module-archive') }
}

const archived = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.tgz')) : [])

describe('automatic archiving (archiveAfterDays)', () => {
  it('a server archives hibernations older than archiveAfterDays as it opens the workspace; the CLI never does', async () => {
    const w = world()
    writeModule(w.ws, { name: 'old-feature' })
    writeModule(w.ws, { name: 'recent' })
    const cli = await w.host('cli')
    await cli.call('module.hibernate', { name: 'old-feature', reason: 'deprecated' })
    w.clock.now += 25 * DAY
    await cli.call('module.hibernate', { name: 'recent' })
    w.clock.now += 6 * DAY // old-feature: 31 days; recent: 6

    const again = await w.host('cli')
    expect((await again.call('module.listHibernated', {})).modules.map((m) => [m.name, m.archivesInDays]).sort()).toEqual([
      ['old-feature', 0],
      ['recent', 24],
    ])
    expect(archived(w.archiveDir)).toEqual([])

    const server = await w.host('server')
    await waitFor(() => archived(w.archiveDir).length === 1, 'the automatic archive')
    expect(archived(w.archiveDir)[0]).toMatch(/^old-feature\.\d+\.tgz$/)
    await waitFor(() => server.events.some((e) => e.event === 'modules.changed' && e.payload.source === 'operation'), 'modules.changed')
    expect((await server.call('module.listHibernated', {})).modules.map((m) => m.name)).toEqual(['recent'])
    expect((await server.call('module.listArchived', {})).modules.map((m) => m.name)).toEqual(['old-feature'])
    // Still wakeable from the archive, as after `module archive`.
    await server.call('module.wake', { name: 'old-feature', fromArchive: true })
    expect(fs.existsSync(path.join(w.ws, 'commands', 'old-feature', 'package.json'))).toBe(true)
  })

  it('"archives in N days" follows the setting; 0 means never, and raising it from 0 archives what is due', async () => {
    const w = world()
    writeModule(w.ws, { name: 'old-feature' })
    const cli = await w.host('cli')
    await cli.call('module.hibernate', { name: 'old-feature' })
    w.clock.now += 10 * DAY
    const inDays = async (h: { call: typeof cli.call }, input: OperationInput<'module.listHibernated'> = {}) => (await h.call('module.listHibernated', input)).modules[0].archivesInDays
    expect(await inDays(cli)).toBe(20) // the default, 30
    await cli.call('config.set', { key: 'archiveAfterDays', value: 45 })
    expect(await inDays(cli)).toBe(35)
    expect(await inDays(cli, { archiveAfterDays: 15 })).toBe(5) // a "what if" given by the caller
    await cli.call('config.set', { key: 'archiveAfterDays', value: '0' })
    expect(await inDays(cli)).toBeNull()
    expect((await cli.call('module.versions', { name: 'old-feature' })).versions[0].archivesInDays).toBeNull()

    w.clock.now += 60 * DAY
    const server = await w.host('server')
    expect(await inDays(server)).toBeNull()
    // Its check on start has nothing to do with 0; a round trip to the host gives it every chance.
    await server.call('config.get', { key: 'archiveAfterDays' })
    expect(archived(w.archiveDir)).toEqual([])

    const before = server.events.length
    await server.call('config.set', { key: 'archiveAfterDays', value: 30 })
    await waitFor(() => archived(w.archiveDir).length === 1, 'the archive once the setting allows it')
    expect(server.events.slice(before).some((e) => e.event === 'modules.changed')).toBe(true)
  })

  it('checks again periodically: a hibernation that comes of age while the server runs is archived without a restart', async () => {
    const ws = tempDir('warden-ws-')
    const home = homePaths(tempDir('warden-home-'))
    writeModule(ws, { name: 'aging' })
    const database = new WardenDatabase(home.database)
    cleanups.push(() => database.dispose())
    const clock = { now: Date.now() }
    const hibernation = new HibernationService({ workspace: await Workspace.open(ws), database, usage: new UsageStore(database), archiveDir: home.moduleArchive, now: () => clock.now })
    await hibernation.hibernate({ name: 'aging', reason: 'test', withDependents: false, hibernatedBy: 'user' })
    const settings = new SettingsStore(database)
    settings.set('archiveAfterDays', 0)
    clock.now += 40 * DAY
    const alerts: string[] = []
    const archiver = new AutoArchiver({ hibernation, settings, intervalMs: 25, onAlert: (a) => alerts.push(a.message) })
    cleanups.push(() => archiver.dispose())
    expect(await archiver.check()).toBeNull()
    await new Promise((r) => setTimeout(r, 200)) // several periodic checks with 0 = never
    expect(archived(home.moduleArchive)).toEqual([])

    settings.set('archiveAfterDays', 50)
    expect(await archiver.check()).toBeNull() // 40 days old: not yet
    clock.now += 11 * DAY
    await waitFor(() => archived(home.moduleArchive).length === 1, 'the periodic check')
    expect(alerts).toEqual([])
  })
})
