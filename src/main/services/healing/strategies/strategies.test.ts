import * as os from 'node:os'
import { describe, expect, it } from 'vitest'
import { basinDrift, errorSpike, memoryLeak, performance, phiRecovery, strategies } from '.'
import { checkpoint, context, defaultSettings, issue, MIN, NOW, pendingPatch, persona, series, sourceHealth, worker } from './testContext'

const HOUR = 3_600_000

describe('every strategy', () => {
  it('proposes nothing for healthy sources', async () => {
    const ctx = context({
      summary: {
        status: 'normal',
        at: NOW,
        sources: [
          sourceHealth(series('persona:Ada', 30, () => ({ phi: 0.75, drift: 0.3, latencyMs: 300, errorRate: 0, tokensPerSecond: 50 })), { baselineAt: NOW - 2 * HOUR }),
          sourceHealth(series('model:tiny', 30, () => ({ phi: 0.75, latencyMs: 300, errorRate: 0, tokensPerSecond: 50, memoryBytes: 500 * 2 ** 20 }))),
        ],
      },
      personas: [persona('Ada', { contextSize: 8192 })],
      workers: [worker('tiny')],
      checkpoints: { Ada: [checkpoint('c1', NOW - HOUR)] },
      settings: defaultSettings({ threadsPerWorker: 8, gpuLayers: 10 }),
    })
    for (const s of strategies) expect(await s(ctx)).toEqual([])
  })
})

describe('basin drift', () => {
  // Drift rose from 0.2 to 2.4 rad over the last 40 minutes; the baseline was set 3 h ago.
  const window = series('persona:Ada', 40, (i) => ({ drift: 0.2 + (2.2 * i) / 39 }))
  const drifting = sourceHealth(window, { baselineAt: NOW - 3 * HOUR, issues: [issue('drift', 2.4, 2, NOW - 5 * MIN)] })

  it('restores the checkpoint made before the drift began that is closest to the baseline', async () => {
    const ctx = context({
      summary: { status: 'warning', at: NOW, sources: [drifting] },
      checkpoints: {
        Ada: [checkpoint('c-old', NOW - 6 * HOUR), checkpoint('c-base', NOW - 2.5 * HOUR), checkpoint('c-pre', NOW - 1.5 * HOUR), checkpoint('c-drifted', NOW - 10 * MIN)],
      },
    })
    const [draft, ...rest] = await basinDrift(ctx)
    expect(rest).toEqual([])
    expect(draft.change).toEqual({ kind: 'persona', persona: 'Ada', checkpoint: 'c-base' })
    expect(draft.strategy).toBe('basin-drift')
    // The evidence: the figure, the threshold, when it began and why this checkpoint.
    expect(draft.rationale).toContain('2.40 rad is above 2.00 rad')
    expect(draft.rationale).toMatch(/Drift began about 2026-12-02 11:1\d/)
    expect(draft.rationale).toContain('closest of 3 such checkpoint(s) to the baseline')
    // A persona changed after the baseline: the rationale says the restore reverts it.
    ctx.personas = [{ ...persona('Ada'), updatedAt: NOW - 50 * MIN }]
    const [withChange] = await basinDrift(ctx)
    expect(withChange.rationale).toContain('Ada was last changed (settings, system prompt or model) 2026-12-02 11:10:00 UTC, after the baseline: the checkpoint reverts that change.')
  })

  it('acts on a rising trend before the threshold is crossed', async () => {
    // 0.4 → 1.9 rad over 30 minutes (3 rad/h): 2.0 in about 2 minutes; no issue raised yet.
    const rising = sourceHealth(series('persona:Ada', 31, (i) => ({ drift: 0.4 + (1.5 * i) / 30 })), { baselineAt: NOW - 3 * HOUR })
    const ctx = context({ summary: { status: 'normal', at: NOW, sources: [rising] }, checkpoints: { Ada: [checkpoint('c1', NOW - 2 * HOUR)] } })
    const [draft] = await basinDrift(ctx)
    expect(draft.change).toEqual({ kind: 'persona', persona: 'Ada', checkpoint: 'c1' })
    expect(draft.rationale).toContain('rising +3.00 rad/h over the last 31 snapshots (30 min) and reaches 2.00 rad in about 2 min')
    // The same rise over 31 snapshots taken seconds apart is no trend to act on.
    const burst = sourceHealth(series('persona:Ada', 31, (i) => ({ drift: 0.4 + (1.5 * i) / 30 })).map((s, i) => ({ ...s, at: NOW - (30 - i) * 1000 })), { baselineAt: NOW - 3 * HOUR })
    expect(await basinDrift(context({ summary: { status: 'normal', at: NOW, sources: [burst] }, checkpoints: { Ada: [checkpoint('c1', NOW - 2 * HOUR)] } }))).toEqual([])
    // A slower rise that stays under the threshold for more than an hour is left alone.
    const slow = sourceHealth(series('persona:Ada', 31, (i) => ({ drift: 0.4 + (0.1 * i) / 30 })), { baselineAt: NOW - 3 * HOUR })
    expect(await basinDrift(context({ summary: { status: 'normal', at: NOW, sources: [slow] }, checkpoints: { Ada: [checkpoint('c1', NOW - 2 * HOUR)] } }))).toEqual([])
  })

  it('proposes nothing without a checkpoint from before the drift, nor for a pending identical restore', async () => {
    const onlyDrifted = context({ summary: { status: 'warning', at: NOW, sources: [drifting] }, checkpoints: { Ada: [checkpoint('c-drifted', NOW - 10 * MIN)] } })
    expect(await basinDrift(onlyDrifted)).toEqual([])
    const pending = context({
      summary: { status: 'warning', at: NOW, sources: [drifting] },
      checkpoints: { Ada: [checkpoint('c-base', NOW - 2.5 * HOUR)] },
      pending: [pendingPatch({ kind: 'persona', persona: 'Ada', checkpoint: 'c-base' })],
    })
    expect(await basinDrift(pending)).toEqual([])
    // Once rejected, the same restore may be proposed again.
    pending.pending = [pendingPatch({ kind: 'persona', persona: 'Ada', checkpoint: 'c-base' }, 'persona:Ada', 'rejected')]
    expect(await basinDrift(pending)).toHaveLength(1)
  })
})

describe('Φ recovery', () => {
  it('sharpens sampling for low Φ and offers switching off the genome', async () => {
    const low = sourceHealth(series('persona:Ada', 10, () => ({ phi: 0.5 })), { issues: [issue('phi_low', 0.5, 0.65, NOW - 5 * MIN)] })
    const genome = { mode: 'fixed' as const, adapters: [{ name: 'pirate', scale: 1 }] }
    const ctx = context({ summary: { status: 'warning', at: NOW, sources: [low] }, personas: [persona('Ada', { temperature: 0.9, topP: 0.95, genome })] })
    const drafts = await phiRecovery(ctx)
    expect(drafts.map((d) => d.change)).toEqual([
      { kind: 'persona', persona: 'Ada', settings: { temperature: { from: 0.9, to: 0.7 }, topP: { from: 0.95, to: 0.8 } } },
      { kind: 'persona', persona: 'Ada', settings: { genome: { from: genome, to: { mode: 'none', adapters: [] } } } },
    ])
    expect(drafts[0].rationale).toContain('Φ 0.50 is below 0.65')
    expect(drafts[0].title).toBe('Sharpen Ada’s sampling (temperature 0.9 → 0.7, topP 0.95 → 0.8)')
  })

  it('loosens sampling for high Φ (repetitive answers)', async () => {
    const high = sourceHealth(series('persona:Ada', 10, () => ({ phi: 0.95 })), { issues: [issue('phi_high', 0.95, 0.85, NOW - 5 * MIN)] })
    const ctx = context({ summary: { status: 'warning', at: NOW, sources: [high] }, personas: [persona('Ada', { temperature: 0.2, topP: 0.8 })] })
    const [draft, ...rest] = await phiRecovery(ctx)
    expect(rest).toEqual([])
    expect(draft.change).toEqual({ kind: 'persona', persona: 'Ada', settings: { temperature: { from: 0.2, to: 0.4 }, topP: { from: 0.8, to: 0.95 } } })
    expect(draft.rationale).toContain('no repeat penalty')
  })

  it('proposes nothing it cannot state the old values of, or cannot change further', async () => {
    const low = sourceHealth(series('persona:Ada', 10, () => ({ phi: 0.5 })), { issues: [issue('phi_low', 0.5, 0.65, NOW - 5 * MIN)] })
    expect(await phiRecovery(context({ summary: { status: 'warning', at: NOW, sources: [low] }, personas: [] }))).toEqual([])
    const floor = context({ summary: { status: 'warning', at: NOW, sources: [low] }, personas: [persona('Ada', { temperature: 0.1, topP: 0.8 })] })
    expect(await phiRecovery(floor)).toEqual([])
  })
})

describe('performance', () => {
  const slowModel = sourceHealth(series('model:tiny', 10, () => ({ latencyMs: 5000, queueWaitMs: 3500 })), { issues: [issue('latency', 5000, 2000, NOW - 20 * MIN)] })

  it('turns oversubscribed threads back to automatic and adds a sequence when requests wait', async () => {
    const cores = os.availableParallelism()
    const ctx = context({
      summary: { status: 'warning', at: NOW, sources: [slowModel] },
      settings: defaultSettings({ threadsPerWorker: cores + 2, parallelRequestsPerModel: 2 }),
      workers: [worker('tiny', { threads: cores + 2, pinned: true })],
    })
    const changes = (await performance(ctx)).map((d) => d.change)
    expect(changes).toEqual([
      { kind: 'settings', changes: [{ key: 'threadsPerWorker', from: cores + 2, to: 0 }] },
      { kind: 'settings', changes: [{ key: 'parallelRequestsPerModel', from: 2, to: 3 }] },
    ])
    // A worker loaded after the slow answers began: the queue wait was (partly) its load, not a lack of sequences.
    ctx.workers = [worker('tiny', { threads: 1, pinned: true, startedAt: NOW - 10 * MIN })]
    expect(await performance(ctx)).toEqual([])
  })

  it('pins a model that was loaded again after it became slow, and halves a large persona context', async () => {
    const slowPersona = sourceHealth(series('persona:Ada', 10, () => ({ latencyMs: 4000 })), { issues: [issue('latency', 4000, 2000, NOW - 20 * MIN)] })
    const ctx = context({
      summary: { status: 'warning', at: NOW, sources: [slowModel, slowPersona] },
      personas: [persona('Ada', { contextSize: 16384 }, 'tiny')],
      settings: defaultSettings({ parallelRequestsPerModel: 16 }),
      workers: [worker('tiny', { startedAt: NOW - 5 * MIN })],
    })
    const drafts = await performance(ctx)
    expect(drafts.map((d) => d.change)).toEqual([
      { kind: 'worker-action', model: 'tiny', action: 'pin' },
      { kind: 'persona', persona: 'Ada', settings: { contextSize: { from: 16384, to: 8192 } } },
    ])
    expect(drafts[0].rationale).toMatch(/loaded again at .* after the slow answers began/)
  })

  it('reads a falling tokens/s trend as a regression', async () => {
    // 100 → 60 tokens/s over 20 minutes: −120/h, more than 20 % of 60 per hour.
    const falling = sourceHealth(series('model:tiny', 21, (i) => ({ tokensPerSecond: 100 - 2 * i })))
    const ctx = context({ summary: { status: 'normal', at: NOW, sources: [falling] }, settings: defaultSettings({ gpuLayers: 12 }), workers: [worker('tiny', { pinned: true })] })
    const [draft] = await performance(ctx)
    expect(draft.change).toEqual({ kind: 'settings', changes: [{ key: 'gpuLayers', from: 12, to: 'auto' }] })
    expect(draft.rationale).toMatch(/tokens\/s 60\.00 is falling −120\.00\/h/)
  })
})

describe('memory leak', () => {
  it('recycles a worker whose memory keeps growing over enough snapshots', async () => {
    // 600 MB growing 2 MB a minute (120 MB/h, 20 %/h) for 30 snapshots.
    const growing = sourceHealth(series('model:tiny', 30, (i) => ({ memoryBytes: (542 + 2 * i) * 2 ** 20 })))
    const ctx = context({ summary: { status: 'normal', at: NOW, sources: [growing] }, workers: [worker('tiny', { pid: 777 })] })
    const [draft, ...rest] = await memoryLeak(ctx)
    expect(rest).toEqual([])
    expect(draft.change).toEqual({ kind: 'worker-action', model: 'tiny', action: 'recycle' })
    expect(draft.rationale).toContain('pid 777')
    expect(draft.rationale).toContain('+120 MB/h')
  })

  it('leaves alone a short window, a flat or small growth, and a model with no live worker', async () => {
    const short = sourceHealth(series('model:tiny', 5, (i) => ({ memoryBytes: (600 + 20 * i) * 2 ** 20 })))
    const flat = sourceHealth(series('model:tiny', 30, (i) => ({ memoryBytes: (600 + (i % 2)) * 2 ** 20 })))
    const growing = sourceHealth(series('model:tiny', 30, (i) => ({ memoryBytes: (542 + 2 * i) * 2 ** 20 })))
    for (const [source, workers] of [[short, [worker('tiny')]], [flat, [worker('tiny')]], [growing, [worker('tiny', { state: 'restarting' })]], [growing, []]] as const) {
      expect(await memoryLeak(context({ summary: { status: 'normal', at: NOW, sources: [source] }, workers: [...workers] }))).toEqual([])
    }
  })
})

describe('error spike', () => {
  it('restarts the worker of a failing persona’s model once, and says when the restart lifts a quarantine', async () => {
    const failing = (s: string) => sourceHealth(series(s, 10, () => ({ errorRate: 0.3 })), { issues: [issue('error_rate', 0.3, 0.05, NOW - 10 * MIN)] })
    const ctx = context({
      summary: { status: 'critical', at: NOW, sources: [failing('persona:Ada'), failing('model:tiny')] },
      personas: [persona('Ada', {}, 'tiny')],
      workers: [worker('tiny', { state: 'quarantined', crashes: 4, lastError: 'the worker exited with signal SIGSEGV' })],
    })
    const [draft, ...rest] = await errorSpike(ctx)
    expect(rest).toEqual([])
    expect(draft.change).toEqual({ kind: 'worker-action', model: 'tiny', action: 'restart' })
    expect(draft.title).toContain('lifts its quarantine')
    expect(draft.rationale).toContain('30 % of generations failed, above 5 %')
    expect(draft.rationale).toContain('SIGSEGV')
    ctx.pending = [pendingPatch({ kind: 'worker-action', model: 'tiny', action: 'restart' })]
    expect(await errorSpike(ctx)).toEqual([])
  })
})
