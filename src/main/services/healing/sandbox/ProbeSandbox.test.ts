import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { inferenceHosts, writeTinyModels } from '../../../../../test/inference'
import { fitness } from '../fitness'
import { ProbeSandbox } from './ProbeSandbox'

const BANDS = { phiMin: 0.65, phiMax: 0.85, driftMax: 2, applyThreshold: 0.7 }
const unit = (i: number) => Array.from({ length: 64 }, (_, k) => (k === i ? 1 : 0))

describe('ProbeSandbox', () => {
  const hosts = inferenceHosts()

  async function setup() {
    const prompts = ['Say hello.', 'Count to three.']
    const h = hosts()
    await writeTinyModels(path.join(h.home, 'models'), 1)
    await h.call('persona.create', { name: 'Ada', model: 'tiny-1', settings: { temperature: 1.5, maxTokens: 12, contextSize: 1024 } })
    const sandbox = new ProbeSandbox({
      inference: () => h.host.inference,
      baseline: (source) => (source === 'persona:Ada' ? unit(3) : null),
      sourceHealth: (source) => h.host.health.summary().sources.find((s) => s.source === source) ?? null,
      embeddingModel: () => null,
      prompts,
    })
    return { h, sandbox }
  }

  it('measures a persona patch on stateless probes before and after, leaving the persona and its health alone', async () => {
    const { h, sandbox } = await setup()
    const phases: string[] = []
    const result = await sandbox.evaluate(
      { kind: 'persona', persona: 'Ada', settings: { temperature: { from: 1.5, to: 0 } } },
      'persona:Ada',
      { onProgress: (m) => phases.push(m) },
    )
    expect(result.passed).toBeNull()
    for (const r of [result.before, result.after]) {
      expect(r.phi).toBeGreaterThanOrEqual(0)
      expect(r.phi).toBeLessThanOrEqual(1)
      expect(r.errorRate).toBe(0)
      expect(r.drift).toBeGreaterThanOrEqual(0)
      expect(r.drift).toBeLessThanOrEqual(Math.PI)
    }
    expect(result.log).toContain('> Say hello.')
    expect(result.log).toContain('"temperature":0')
    expect(phases).toEqual(expect.arrayContaining(['probes before', 'probes after']))
    // The probes neither changed the persona nor entered its conversation or its health.
    const ada = (await h.call('persona.list', {})).personas.find((p) => p.name === 'Ada')!
    expect(ada).toMatchObject({ messages: 0, settings: { temperature: 1.5 } })
    await h.host.health.tick()
    expect(h.host.health.summary().sources.map((s) => s.source)).not.toContain('persona:Ada')
    expect(['apply', 'test_more', 'reject']).toContain(fitness(result, BANDS).recommendation)
  })

  it('counts probes that fail in the error rate, with their errors in the log, instead of failing the evaluation', async () => {
    const { h, sandbox } = await setup()
    // The persona's model file is gone: every probe fails, before and after.
    for (const f of fs.readdirSync(path.join(h.home, 'models'))) fs.rmSync(path.join(h.home, 'models', f), { recursive: true, force: true })
    const result = await sandbox.evaluate({ kind: 'persona', persona: 'Ada', settings: { temperature: { from: 1.5, to: 0.5 } } }, 'persona:Ada')
    expect(result.before).toMatchObject({ errorRate: 1, phi: null, drift: null })
    expect(result.after).toMatchObject({ errorRate: 1, phi: null, drift: null })
    expect(result.log).toContain('[failed: ')
    // Nothing improved, nothing measured got better: not a patch to apply.
    expect(fitness(result, BANDS)).toMatchObject({ parts: { phi: 0.5, basin: 0.5, errors: 0.5 }, recommendation: 'test_more' })
  })

  it('names what stateless probes cannot measure', async () => {
    const { sandbox } = await setup()
    const result = await sandbox.evaluate({ kind: 'persona', persona: 'Ada', checkpoint: 'c1', settings: { genome: { from: { mode: 'none', adapters: [] }, to: { mode: 'none', adapters: [] } } } }, 'persona:Ada')
    expect(result.log).toContain('Not measurable by stateless probes: genome')
    expect(result.log).toContain('Restoring checkpoint c1')
  })

  it('a worker action is not run: before is the worker’s readings now, after is unknown, and it says so', async () => {
    const { sandbox } = await setup()
    const result = await sandbox.evaluate({ kind: 'worker-action', model: 'tiny-1', action: 'recycle' }, 'model:tiny-1')
    expect(result.after).toEqual({ phi: null, drift: null, errorRate: null, testsPassed: null, testsFailed: null })
    expect(result.log).toContain('After: unknown')
    expect(fitness(result, BANDS).recommendation).toBe('test_more')
  })

  it('refuses a patch value that is not a valid setting', async () => {
    const { sandbox } = await setup()
    await expect(sandbox.evaluate({ kind: 'persona', persona: 'Ada', settings: { temperature: { from: 1.5, to: 9 } } }, 'persona:Ada')).rejects.toThrow(/sets temperature to 9/)
  })
})
