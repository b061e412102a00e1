import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { inferenceHosts, writeTinyModels, type InferenceTestHost } from '../../../../../test/inference'
import type { StrategyContext } from '../types'
import { strategies } from '.'

// The strategies on signals a persona's real generations produced: a real host, a tiny real model
// in a worker process, the health monitor's own snapshots. The thresholds are settings; moving them
// makes the real figures cross them.

async function contextOf(h: InferenceTestHost): Promise<StrategyContext> {
  return {
    now: Date.now(),
    settings: h.host.settings.get(),
    summary: await h.call('health.summary', { watch: false }),
    workers: (await h.call('worker.list', {})).workers,
    personas: (await h.call('persona.list', {})).personas,
    checkpoints: async (name) => (await h.call('persona.checkpoints', { name })).checkpoints,
    pending: [],
  }
}

async function run(ctx: StrategyContext) {
  return (await Promise.all(strategies.map((s) => s(ctx)))).flat()
}

describe('the strategies on real signals', () => {
  const hosts = inferenceHosts()

  it('propose nothing for a persona answering well, a worker restart when its generations fail, and looser sampling when its Φ is past the upper threshold', async () => {
    const h = hosts()
    await writeTinyModels(path.join(h.home, 'models'), 1)
    // A random-weight model's answers have a Φ near 0 by construction: the lower threshold goes to 0.
    await h.call('config.set', { key: 'healthPhiMin', value: 0 })
    await h.call('persona.create', { name: 'Ada', model: 'tiny-1', settings: { temperature: 0, maxTokens: 12 } })
    // The first answer waits for the worker to start and load the model (seconds): one slow
    // snapshot, under the default run of 3 that raises an issue. Then every snapshot counts.
    await h.call('persona.chat', { name: 'Ada', prompt: 'Hello there' })
    await h.host.health.tick()
    await h.call('config.set', { key: 'healthAlertAfter', value: 1 })
    await h.call('persona.chat', { name: 'Ada', prompt: 'Hello there' })
    await h.host.health.tick()
    const healthy = await contextOf(h)
    expect(await run(healthy)).toEqual([])

    // A prompt far larger than the model's context fails: the error rate of the interval is 100 %.
    await expect(h.call('persona.chat', { name: 'Ada', prompt: 'x'.repeat(20_000) })).rejects.toThrow()
    await h.host.health.tick()
    const failing = await run(await contextOf(h))
    // The persona and its model both failed: one restart of the model's worker.
    expect(failing.map((d) => [d.strategy, d.change])).toEqual([['error-spike', { kind: 'worker-action', model: 'tiny-1', action: 'restart' }]])
    expect(failing[0].rationale).toContain('100 % of generations failed, above 5 %')

    // The upper Φ threshold moved to 0: the persona's next real answer is past it ("repetitive"),
    // and the strategy raises its real sampling settings (temperature 0 → 0.2; topP is already 0.95).
    await h.call('config.set', { key: 'healthPhiMax', value: 0 })
    await h.call('persona.chat', { name: 'Ada', prompt: 'Hello again' })
    await h.host.health.tick()
    const predictable = (await run(await contextOf(h))).filter((d) => d.strategy === 'phi-recovery')
    expect(predictable.map((d) => d.change)).toEqual([{ kind: 'persona', persona: 'Ada', settings: { temperature: { from: 0, to: 0.2 } } }])
    expect(predictable[0].rationale).toMatch(/^Φ 0\.\d\d is above 0\.00 since/)
  })
})
