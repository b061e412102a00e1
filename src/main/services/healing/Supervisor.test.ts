import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir, writeModule } from '../../../../test/fixtures'
import type { Patch } from '../../../shared/contract/domains/healing'
import { HibernationService } from '../hibernation/HibernationService'
import { SettingsStore } from '../settings/SettingsStore'
import { WardenDatabase } from '../storage/Database'
import { UsageStore } from '../storage/UsageStore'
import { Workspace } from '../workspace/Workspace'
import { Supervisor, type SupervisorOptions } from './Supervisor'
import type { PatchDraft, ProposalSink } from './types'

// The supervisor on a real workspace: real module folders whose tests really run in child
// processes, real hibernation (archives, metadata), real SQLite, a moved clock.

const HOUR = 3_600_000
const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()!()
})

/** A proposal queue of the test's own: it keeps the drafts it is given. */
class KeptProposals implements ProposalSink {
  readonly drafts: PatchDraft[] = []
  async propose(draft: PatchDraft): Promise<Patch> {
    this.drafts.push(draft)
    const id = `p-test${String(this.drafts.length).padStart(4, '0')}`
    return {
      id, createdAt: Date.now(), ...draft, diff: '', status: 'proposed', fitness: null, sandboxLog: '', evaluatedAt: null, decidedAt: null,
      decidedBy: null, appliedAt: null, rolledBackAt: null, outcome: null, error: null,
    }
  }
}

/** A module whose `npm test` requires `flaky-dep` from the workspace's node_modules and fails unless it says ok. */
function writeFlaky(ws: string, name = 'flaky', deps: string[] = []) {
  writeModule(ws, { name, deps, pkg: { scripts: { test: 'node check.js' } }, files: { 'check.js': "const dep = require('flaky-dep')\nif (!dep.ok) { console.error('flaky-dep is not ok: ' + dep.why); process.exit(1) }\nconsole.log('all good')\n" } })
}
function setFlakyDep(ws: string, ok: boolean) {
  const dir = path.join(ws, 'node_modules', 'flaky-dep')
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'index.js'), `module.exports = { ok: ${ok}, why: 'version 1 returns undefined for userId' }\n`)
}

async function world(options: Partial<SupervisorOptions> = {}) {
  const ws = tempDir('warden-ws-')
  const home = tempDir('warden-home-')
  const clock = { now: Date.UTC(2026, 11, 2, 12) }
  const database = new WardenDatabase(path.join(home, 'warden.db'))
  cleanups.push(() => database.db.close())
  const settings = new SettingsStore(database)
  const hibernation = new HibernationService({ workspace: await Workspace.open(ws), database, usage: new UsageStore(database), archiveDir: path.join(home, 'module-archive'), now: () => clock.now })
  const proposals = new KeptProposals()
  const supervisor = new Supervisor({ database, settings, hibernation: () => hibernation, proposals, now: () => clock.now, ...options })
  cleanups.push(() => supervisor.dispose())
  return { ws, home, clock, settings, hibernation, proposals, supervisor, database }
}

const activeNames = async (h: HibernationService) => (await h.list()).flatMap((k) => k.modules.map((m) => m.name)).sort()

describe('the supervisor', () => {
  it('hibernates a module whose tests fail and that nothing depends on, as ares, with the error; then reviews it and proposes waking it once it passes', async () => {
    const { ws, clock, hibernation, proposals, supervisor } = await world()
    writeFlaky(ws)
    writeModule(ws, { name: 'steady' })
    setFlakyDep(ws, false)

    const { results, reviewed } = await supervisor.check({})
    expect(reviewed).toEqual([])
    const flaky = results.find((r) => r.name === 'flaky')!
    expect(flaky).toMatchObject({ ok: false, ran: 'tests', decision: { module: 'flaky', action: 'hibernated', patchId: null } })
    expect(flaky.output).toContain('flaky-dep is not ok')
    expect(results.find((r) => r.name === 'steady')).toMatchObject({ ok: true, ran: 'entry', decision: null })
    expect(flaky.decision!.reasons).toContain('no active module depends on it: an isolated failure')

    // Losslessly hibernated by ares, the error in its metadata; the module left the active tree.
    expect(await activeNames(hibernation)).toEqual(['steady'])
    const [asleep] = await hibernation.listHibernated(undefined, false)
    expect(asleep).toMatchObject({ name: 'flaky', hibernatedBy: 'ares', reason: 'runtime-failure', error: { type: 'TestFailure' } })
    expect(asleep.error!.message).toContain('flaky-dep is not ok')
    expect(fs.existsSync(path.join(ws, 'commands', 'flaky'))).toBe(false)

    // Not reviewed before aresReviewAfterHours (24 h) have passed.
    clock.now += 23 * HOUR
    expect((await supervisor.check({})).reviewed).toEqual([])

    // A day later, still failing: reviewed, kept, and not reviewed again.
    clock.now += 2 * HOUR
    const stillFailing = await supervisor.review()
    expect(stillFailing).toMatchObject([{ name: 'flaky', ok: false, ran: 'tests', decision: { action: 'reviewed', patchId: null } }])
    expect(stillFailing[0].decision!.reasons[1]).toContain('still fail: flaky-dep is not ok')
    expect(await supervisor.review()).toEqual([])
    expect(proposals.drafts).toEqual([])

    // The workspace's dependency fixed; a new hibernation of it (failed again) is reviewed against today's workspace.
    await hibernation.wake({ name: 'flaky', fromArchive: false })
    await supervisor.reportError({ name: 'flaky', type: 'TypeError', message: 'Cannot read properties of undefined' })
    expect(await activeNames(hibernation)).toEqual(['steady'])
    setFlakyDep(ws, true)
    clock.now += 25 * HOUR
    const passing = await supervisor.review()
    expect(passing).toMatchObject([{ name: 'flaky', ok: true, ran: 'tests', decision: { action: 'proposed', patchId: 'p-test0001' } }])
    expect(proposals.drafts).toMatchObject([{ source: 'flaky', strategy: 'supervisor', title: 'Wake flaky and test it', change: { kind: 'module-action', module: 'flaky', action: 'wake' } }])
    expect(proposals.drafts[0].rationale).toContain('now pass')
    // The review ran on a temporary copy: the module is still hibernated, and no copy is left behind.
    expect(await activeNames(hibernation)).toEqual(['steady'])
    expect(fs.readdirSync(path.join(ws, '.warden', 'tmp')).filter((f) => f.includes('review'))).toEqual([])

    // Every decision is stored with its reasons, newest first.
    expect(supervisor.decisions(10).map((d) => `${d.module} ${d.action}`)).toEqual(['flaky proposed', 'flaky hibernated', 'flaky reviewed', 'flaky hibernated'])
  })

  it('proposes hibernating the tree of a failing module with dependents, once; with the autonomy off it proposes instead of hibernating', async () => {
    const { ws, settings, hibernation, proposals, supervisor } = await world()
    writeModule(ws, { name: 'user-daemon', kind: 'daemons' })
    writeModule(ws, { name: 'chat-widget', kind: 'widgets', deps: ['user-daemon'] })
    writeModule(ws, { name: 'lonely' })

    const decision = await supervisor.reportError({ name: 'user-daemon', type: 'NullPointerException', message: "Cannot read property 'userId' of undefined", stack: 'at x (index.js:1)' })
    expect(decision).toMatchObject({ module: 'user-daemon', action: 'proposed', patchId: 'p-test0001', assessment: null })
    expect(decision.reasons[1]).toBe('active modules depend on it: chat-widget')
    expect(proposals.drafts).toMatchObject([{ change: { kind: 'module-action', module: 'user-daemon', action: 'hibernate-tree' }, strategy: 'supervisor' }])
    expect(await activeNames(hibernation)).toEqual(['chat-widget', 'lonely', 'user-daemon'])

    // The same failure again soon: the proposal waits for a person; nothing new.
    const again = await supervisor.reportError({ name: 'user-daemon', type: 'NullPointerException', message: 'again' })
    expect(again.action).toBe('ignored')
    expect(proposals.drafts).toHaveLength(1)

    settings.set('aresAutoHibernate', false)
    const proposed = await supervisor.reportError({ name: 'lonely', type: 'Error', message: 'boom' })
    expect(proposed.action).toBe('proposed')
    expect(proposals.drafts[1].change).toEqual({ kind: 'module-action', module: 'lonely', action: 'hibernate' })
    expect(await activeNames(hibernation)).toEqual(['chat-widget', 'lonely', 'user-daemon'])

    // An unknown module is refused, naming it; nothing is stored.
    await expect(supervisor.reportError({ name: 'nope', type: 'Error', message: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('nope') })
    expect(supervisor.decisions(10)).toHaveLength(3)
  })

  it('checks a module on a copy: what its tests write or delete never reaches the live module', async () => {
    const { ws, supervisor } = await world()
    const dir = writeModule(ws, {
      name: 'messy',
      pkg: { scripts: { test: 'node wipe.js' } },
      files: { 'wipe.js': "const fs = require('fs')\nfs.writeFileSync('left-behind.txt', 'x')\nfs.rmSync('keep.txt')\nconsole.log('done')\n", 'keep.txt': 'mine\n' },
    })
    const { results } = await supervisor.check({ name: 'messy' })
    expect(results).toEqual([expect.objectContaining({ name: 'messy', ok: true, ran: 'tests' })])
    expect(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('mine\n')
    expect(fs.existsSync(path.join(dir, 'left-behind.txt'))).toBe(false)
  })

  it('a burst of reports of one module hibernates it once', async () => {
    const { ws, hibernation, supervisor } = await world()
    writeModule(ws, { name: 'bursty' })
    const decisions = await Promise.all([1, 2, 3].map((i) => supervisor.reportError({ name: 'bursty', type: 'Error', message: `failure ${i}` })))
    expect(decisions.map((d) => d.action)).toEqual(['hibernated', 'ignored', 'ignored'])
    expect(decisions[1].reasons[1]).toContain('already hibernated')
    expect((await hibernation.versions('bursty')).versions).toHaveLength(1)
  })

  it('stores a persona’s assessment with the decision, and decides just the same when the persona fails', async () => {
    const asked: string[] = []
    const { ws, settings, supervisor } = await world({
      ask: async (persona, prompt) => {
        asked.push(`${persona}: ${prompt}`)
        if (prompt.includes('"broken"')) throw new Error('the persona’s model is not installed')
        return '  Sound: it is isolated and restorable. Check the userId handling first.  '
      },
    })
    writeModule(ws, { name: 'quiet' })
    writeModule(ws, { name: 'broken' })
    expect((await supervisor.reportError({ name: 'quiet', type: 'Error', message: 'x' })).assessment).toBeNull()
    expect(asked).toEqual([]) // no persona named: nobody is asked

    settings.set('supervisorPersona', 'Athena')
    writeModule(ws, { name: 'quiet' })
    const decision = await supervisor.reportError({ name: 'quiet', type: 'TypeError', message: 'userId of undefined' })
    expect(decision).toMatchObject({ action: 'hibernated', assessment: 'Sound: it is isolated and restorable. Check the userId handling first.' })
    expect(asked[0]).toMatch(/^Athena: .*"quiet"[\s\S]*Decision: hibernated/)
    expect(supervisor.decisions(1)[0].assessment).toBe(decision.assessment)

    const failed = await supervisor.reportError({ name: 'broken', type: 'Error', message: 'y' })
    expect(failed).toMatchObject({ action: 'hibernated', assessment: null })

    // A repeated report does nothing, and asks nobody.
    const asks = asked.length
    expect(await supervisor.reportError({ name: 'quiet', type: 'TypeError', message: 'again' })).toMatchObject({ action: 'ignored', assessment: null })
    expect(asked).toHaveLength(asks)
  })

  it('checks and reviews on its own every moduleCheckIntervalMinutes (0: never)', async () => {
    const { ws, clock, settings, hibernation, supervisor } = await world()
    writeFlaky(ws)
    setFlakyDep(ws, false)
    clock.now += 60 * 60_000
    expect(supervisor.tick()).toBeNull() // the default, 0: only on demand
    settings.set('moduleCheckIntervalMinutes', 30)
    const first = supervisor.tick()
    expect(first).not.toBeNull()
    expect(supervisor.tick()).toBeNull() // one run at a time
    await first
    expect(await activeNames(hibernation)).toEqual([])
    expect(supervisor.decisions(10).map((d) => `${d.module} ${d.action}`)).toEqual(['flaky hibernated'])
    clock.now += 20 * 60_000
    expect(supervisor.tick()).toBeNull() // 20 of 30 minutes
    clock.now += 11 * 60_000
    const second = supervisor.tick()
    expect(second).not.toBeNull()
    await second
  })
})
