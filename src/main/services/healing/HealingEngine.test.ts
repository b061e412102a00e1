import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { expectError, tempDir } from '../../../../test/fixtures'
import { readingSandbox, weightedFitness } from '../../../../test/healing'
import { parseExposition, samplesOf } from '../../../../test/prometheus'
import type { AnyEvent } from '../../../shared/contract/events'
import type { OperationInput, OperationName, OperationOutput } from '../../../shared/contract/operations'
import { WardenError } from '../../../shared/errors'
import { WardenMetrics } from '../health/WardenMetrics'
import { WardenHost } from '../host/WardenHost'
import type { PatchDraft, StrategyFn } from './types'

const hosts: WardenHost[] = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

const basin = Array.from({ length: 64 }, (_, k) => (k === 0 ? 1 : 0))

/** Φ-recovery on a low Φ, as a settings patch (what is changed matters less here than the flow). */
const lowPhi: StrategyFn = async (ctx) =>
  ctx.summary.sources
    .filter((s) => (s.latest?.phi ?? 1) < 0.6)
    .map((s): PatchDraft => ({
      source: s.source,
      strategy: 'phi-recovery',
      title: `More memory for ${s.source}`,
      rationale: `Φ is ${s.latest!.phi} (below 0.6)`,
      change: { kind: 'settings', changes: [{ key: 'maxVRAM', from: ctx.settings.maxVRAM, to: ctx.settings.maxVRAM + 1024 }] },
    }))

function setup(options: { strategies?: StrategyFn[]; probePhi?: number; runtime?: 'cli' | 'server' } = {}) {
  const clock = { t: Date.UTC(2026, 11, 1) }
  let host: WardenHost | null = null
  const snapshot = async (phi: number, source = 'ocean') => call('health.snapshot', { source, phi, kappa_eff: 64, basin_coords: basin })
  host = new WardenHost({
    home: tempDir('warden-heal-home-'),
    runtime: options.runtime ?? 'cli',
    watch: false,
    now: () => clock.t,
    healing: {
      // The "system" answers a patch with a snapshot at this Φ while it is evaluated.
      sandbox: readingSandbox(() => host!.health, () => snapshot(options.probePhi ?? 0.75).then(() => undefined)),
      fitnessOf: weightedFitness,
      strategies: options.strategies ?? [lowPhi],
    },
  })
  hosts.push(host)
  const events: AnyEvent[] = []
  host.onEvent((e) => events.push(e))
  async function call<K extends OperationName>(name: K, input: OperationInput<K>): Promise<OperationOutput<K>> {
    const r = await host!.invoke(name, input)
    if (!r.ok) throw WardenError.from(r.error)
    return r.value as OperationOutput<K>
  }
  return { host, call, events, clock, snapshot }
}

describe('the healing loop', () => {
  it('proposes an evaluated, scored patch for a real signal once, alerts a person, applies it on approval, measures its outcome and rolls it back', async () => {
    const { host, call, events, clock, snapshot } = setup()
    await snapshot(0.4)
    const run = await call('healing.runOnce', {})
    expect(run.proposed).toHaveLength(1)
    const patch = await call('healing.show', { id: run.proposed[0] })
    expect(patch).toMatchObject({ status: 'proposed', strategy: 'phi-recovery', source: 'ocean', fitness: { recommendation: 'apply' } })
    expect(patch.fitness!.score).toBeGreaterThanOrEqual(0.7)
    expect(patch.diff).toContain('-maxVRAM: 0\n+maxVRAM: 1024')
    expect(patch.sandboxLog).toContain('Φ 0.4 → 0.75')
    expect(events).toContainEqual(expect.objectContaining({ event: 'alert', payload: expect.objectContaining({ page: 'healing', title: 'A healing patch needs your review' }) }))
    expect(events).toContainEqual(expect.objectContaining({ event: 'healing.changed', payload: expect.objectContaining({ patchId: patch.id, reason: 'proposed' }) }))

    // The signal is still low (the patch is not applied): the same change is not proposed twice.
    await snapshot(0.4)
    const again = await call('healing.runOnce', {})
    expect(again.proposed).toEqual([])
    expect(again.notes.join('\n')).toContain(`already proposed as ${patch.id}`)
    expect((await call('healing.proposals', {})).patches.map((p) => p.id)).toEqual([patch.id])

    const applied = await call('healing.approve', { id: patch.id })
    expect(applied).toMatchObject({ status: 'applied', decidedBy: 'person' })
    expect(host.settings.get().maxVRAM).toBe(1024)
    expect((await call('healing.proposals', {})).patches).toEqual([])

    // The next look: the source recovered.
    clock.t += 5 * 60_000
    await snapshot(0.72)
    const next = await call('healing.runOnce', {})
    expect(next.notes.join('\n')).toContain(`${patch.id}: its signals improved (success)`)
    expect((await call('healing.show', { id: patch.id })).outcome).toBe('success')
    expect((await call('healing.status', {})).counts).toMatchObject({ applied: 1, successRate: 1 })

    const back = await call('healing.rollback', { id: patch.id })
    expect(back.status).toBe('rolled-back')
    expect(host.settings.get().maxVRAM).toBe(0)
    expect((await call('healing.history', {})).patches.map((p) => [p.id, p.status])).toEqual([[patch.id, 'rolled-back']])
  })

  it('measures an outcome only on a snapshot taken after the apply (the gates count it)', async () => {
    const { call, clock, snapshot } = setup()
    await snapshot(0.5)
    const [id] = (await call('healing.runOnce', {})).proposed
    clock.t += 1000
    await call('healing.approve', { id })
    clock.t += 60_000
    // No snapshot since the apply: the source's newest reading is the one the patch was applied against.
    await call('healing.runOnce', {})
    expect((await call('healing.show', { id })).outcome).toBeNull()
    expect((await call('healing.status', {})).counts.successRate).toBeNull()
    await snapshot(0.72)
    await call('healing.runOnce', {})
    expect((await call('healing.show', { id })).outcome).toBe('success')
  })

  it('records a patch whose signals got worse as a failure, and a rejected one as rejected', async () => {
    const { host, call, clock, snapshot } = setup()
    await snapshot(0.5)
    const [id] = (await call('healing.runOnce', {})).proposed
    await call('healing.approve', { id })
    clock.t += 60_000
    for (let i = 0; i < 10; i++) await snapshot(0.1)
    expect(host.health.summary().sources[0].status).not.toBe('normal')
    // The look that measures it also proposes again for the low Φ.
    const [other] = (await call('healing.runOnce', {})).proposed
    expect((await call('healing.show', { id })).outcome).toBe('failure')
    expect((await call('healing.status', {})).counts.successRate).toBe(0)

    const rejected = await call('healing.reject', { id: other, reason: 'not now' })
    expect(rejected).toMatchObject({ status: 'rejected', decidedBy: 'person' })
    expect((await expectError(call('healing.approve', { id: other }))).message).toContain('it is rejected')
  })

  it('evaluates a .diff file a person gives (healing evaluate --patch), and names what is wrong with the input', async () => {
    const { call } = setup({ strategies: [] })
    const file = path.join(tempDir(), 'fix.diff')
    const diff = '--- a/index.js\n+++ b/index.js\n@@ -1 +1 @@\n-module.exports = 1\n+module.exports = 2\n'
    fs.writeFileSync(file, diff)
    const patch = await call('healing.evaluate', { module: 'alpha', patch: file })
    expect(patch).toMatchObject({ status: 'proposed', strategy: 'manual', source: 'alpha', diff, change: { kind: 'module-diff', module: 'alpha', diff } })
    expect((await expectError(call('healing.evaluate', { module: 'alpha', patch: `${file}.missing` }))).code).toBe('NOT_FOUND')
    expect((await expectError(call('healing.evaluate', { module: 'alpha', patch: file, diff }))).message).toContain('exactly one of them')
    expect((await expectError(call('healing.evaluate', { module: 'alpha', diff: '  ' }))).message).toContain('The patch is empty')
  })

  it('starts and stops, saying when it runs next', async () => {
    const { call, clock } = setup({ runtime: 'server' })
    const started = await call('healing.start', {})
    expect(started).toMatchObject({ running: true, intervalMinutes: 5, nextRunAt: clock.t + 5 * 60_000 })
    const stopped = await call('healing.stop', {})
    expect(stopped).toMatchObject({ running: false, nextRunAt: null })
  })

  it('is not started in a one-off CLI command, which would end with it: the app or the server hosts it', async () => {
    const { call } = setup()
    const refused = await expectError(call('healing.start', {}))
    expect(refused.code).toBe('UNAVAILABLE')
    expect(refused.message).toContain('the healing loop runs in the app or `warden serve`')
    expect((await call('healing.status', {})).running).toBe(false)
  })

  it('counts a success in Prometheus when an applied patch’s outcome is measured as one', async () => {
    const { host, call, snapshot, clock } = setup()
    const metrics = new WardenMetrics({}, { processMetrics: false })
    host.healing.useMetrics(metrics)
    await snapshot(0.4)
    const [id] = (await call('healing.runOnce', {})).proposed
    await call('healing.approve', { id })
    clock.t += 60_000
    await snapshot(0.75)
    await call('healing.runOnce', {})
    expect((await call('healing.show', { id })).outcome).toBe('success')
    const e = parseExposition(await metrics.exposition())
    expect(['healing_attempts_total', 'healing_success_total', 'healing_failures_total'].map((n) => samplesOf(e, n)[0].value)).toEqual([1, 1, 0])
  })

  it('counts attempts, successes, failures and fitness in Prometheus', async () => {
    const { host, call, snapshot } = setup()
    const metrics = new WardenMetrics({}, { processMetrics: false })
    host.healing.useMetrics(metrics)
    await snapshot(0.4)
    const [id] = (await call('healing.runOnce', {})).proposed
    await call('healing.approve', { id })
    const counts = async () => {
      const e = parseExposition(await metrics.exposition())
      return ['healing_attempts_total', 'healing_success_total', 'healing_failures_total'].map((n) => samplesOf(e, n)[0].value)
    }
    // Applied, not yet judged: an attempt, neither a success nor a failure.
    expect(await counts()).toEqual([1, 0, 0])
    // Rolled back before its outcome was measured: a failure, once (success + failures ≤ attempts).
    await call('healing.rollback', { id })
    expect(await counts()).toEqual([1, 0, 1])
    const e = parseExposition(await metrics.exposition())
    expect(samplesOf(e, 'healing_fitness_score_count')[0].value).toBe(1)
    expect(samplesOf(e, 'healing_patch_application_duration_seconds_count')[0].value).toBe(1)
  })
})

describe('outcomes of rolled-back patches', () => {
  it('a patch rolled back before its outcome was measured counts as a failure (undoing the bad ones early cannot raise the success rate)', async () => {
    const { host, call, clock, snapshot } = setup({ strategies: [] })
    await snapshot(0.7)
    const draft = (to: number): PatchDraft => ({ source: 'ocean', strategy: 'performance', title: `maxVRAM ${to}`, rationale: 'test', change: { kind: 'settings', changes: [{ key: 'maxVRAM', from: host.settings.get().maxVRAM, to }] } })
    const kept = (await host.healing.propose(draft(100))).id
    await call('healing.approve', { id: kept })
    clock.t += 60_000
    await snapshot(0.7)
    await call('healing.runOnce', {})
    const undone = (await host.healing.propose(draft(200))).id
    await call('healing.approve', { id: undone })
    const back = await call('healing.rollback', { id: undone })
    expect(back).toMatchObject({ status: 'rolled-back', outcome: 'failure' })
    clock.t += 60_000
    await snapshot(0.7)
    await call('healing.runOnce', {})
    expect((await call('healing.show', { id: undone })).outcome).toBe('failure')
    expect((await call('healing.status', {})).gates[2].conditions[1].progress).toBe('50 % of 2 measured')
  })
})

describe('phase gates and auto-apply', () => {
  it('refuses auto-apply naming what is unmet, until gate 3 is earned; then applies only allowed kinds above the threshold, listed and reversible', async () => {
    const { host, call, clock, snapshot } = setup({ strategies: [] })
    const gates0 = (await call('healing.status', {})).gates
    expect(gates0.map((g) => g.met)).toEqual([false, false, false, false])
    expect(gates0[0].conditions[0].progress).toBe('0 / 1,000 snapshots')
    const refused = await expectError(call('healing.autoApply', { enabled: true, kinds: ['settings'] }))
    expect(refused.code).toBe('CONFLICT')
    expect(refused.message).toContain('1,000+ health snapshots (0 / 1,000 snapshots)')
    expect(refused.message).toContain('a rollback done (0 rolled back)')

    // Gate 1: a thousand snapshots in one burst (an API flood) are not a monitored history.
    for (let i = 0; i < 1000; i++) await snapshot(0.7)
    const burst = (await call('healing.status', {})).gates[0]
    expect(burst.met).toBe(false)
    expect(burst.conditions.map((c) => [c.met, c.progress])).toEqual([
      [true, '1,000 / 1,000 snapshots'],
      [false, 'snapshots in 1 / 24 distinct hours'],
      [true, expect.stringContaining('1 source')],
    ])
    // A monitor that keeps receiving them over a day, nothing critical.
    for (let h = 0; h < 24; h++) {
      clock.t += 3600_000
      await snapshot(0.7)
    }
    expect((await call('healing.status', {})).gates[0].met).toBe(true)

    // Gates 2 and 3: six applied (each a success at the next look), one rolled back, five rejected.
    const draft = (to: number): PatchDraft => ({ source: 'ocean', strategy: 'performance', title: `maxVRAM ${to}`, rationale: 'test', change: { kind: 'settings', changes: [{ key: 'maxVRAM', from: host.settings.get().maxVRAM, to }] } })
    let last = ''
    for (let i = 1; i <= 6; i++) {
      last = (await host.healing.propose(draft(i * 100))).id
      await call('healing.approve', { id: last })
      clock.t += 60_000
      await snapshot(0.7) // the look after the apply reads a snapshot taken after it
      await call('healing.runOnce', {})
    }
    await call('healing.rollback', { id: last })
    for (let i = 0; i < 5; i++) await call('healing.reject', { id: (await host.healing.propose(draft(9000 + i))).id })
    const gates = (await call('healing.status', {})).gates
    expect(gates[1].conditions[0].progress).toBe('11 / 10 reviewed')
    expect(gates[2].conditions.map((c) => c.progress)).toEqual(['6 / 5 applied', '100 % of 6 measured', '1 rolled back'])
    expect(gates.map((g) => g.met)).toEqual([true, true, true, true])

    expect((await expectError(call('healing.autoApply', { enabled: true, kinds: [] }))).code).toBe('INVALID_INPUT')
    const on = await call('healing.autoApply', { enabled: true, kinds: ['settings'] })
    expect(on.autoApply).toMatchObject({ enabled: true, kinds: ['settings'], allowed: true })

    await snapshot(0.3) // a real drop that the patch answers (Φ 0.3 → 0.75 in the sandbox)
    const auto = await host.healing.propose(draft(4096))
    expect(auto).toMatchObject({ status: 'applied', decidedBy: 'auto' })
    expect(host.settings.get().maxVRAM).toBe(4096)
    expect((await call('healing.proposals', { status: 'applied' })).patches.map((p) => p.id)).toContain(auto.id)
    await call('healing.rollback', { id: auto.id })
    expect(host.settings.get().maxVRAM).toBe(500)

    // A kind not allowed waits for a person.
    const worker = await host.healing.propose({ source: 'model:tiny', strategy: 'memory-leak', title: 'recycle', rationale: 'test', change: { kind: 'worker-action', model: 'tiny', action: 'recycle' } })
    expect(worker.status).toBe('proposed')
  })
})
