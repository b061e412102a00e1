/**
 * Every generation is reported to the health monitor (InferenceService.onDidGenerate) with its
 * timings, text and the token statistics the worker measured: real workers on tiny models.
 */
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inferenceHost, writeTinyModels, type InferenceTestHost } from '../../../../test/inference'
import { writeTinyModel } from '../models/tinyGguf'
import { addTokenStats, emptyTokenStats, windowMetrics } from '../health/metrics'
import type { GenerationEvent } from '../health/types'
import type { TokenLogprob } from '../workers/protocol'

const LN64 = Math.log(64)
let h: InferenceTestHost
const events: GenerationEvent[] = []

beforeAll(async () => {
  h = inferenceHost()
  await writeTinyModels(path.join(h.home, 'models'), 1)
  await h.call('persona.create', { name: 'Ada', model: 'tiny-1', systemPrompt: 'You are Ada.', settings: { temperature: 0, maxTokens: 12, contextSize: 512 } })
  // A vocabulary over 1,024 tokens: under greedy decoding its distributions are not read (their cost).
  await writeTinyModel(path.join(h.home, 'models', 'wide-1.gguf'), { name: 'wide-1', seed: 1000, vocabSize: 2048 })
  await h.call('persona.create', { name: 'Wide', model: 'wide-1', systemPrompt: 'You are Wide.', settings: { temperature: 0, maxTokens: 12, contextSize: 512 } })
  h.host.inference.onDidGenerate((e) => events.push(e))
}, 60_000)
afterAll(() => h.host.shutdown())

/** The events of what `run` does. */
async function reported<T>(run: () => Promise<T>): Promise<{ value: T; events: GenerationEvent[] }> {
  const from = events.length
  const value = await run()
  return { value, events: events.slice(from) }
}

describe('generation events', () => {
  it('reports a persona chat with its timings, its text and token statistics that add up', async () => {
    const { value: answer, events: [e, ...more] } = await reported(() => h.call('persona.chat', { name: 'Ada', prompt: 'Hello there' }))
    expect(more).toEqual([])
    expect(e).toMatchObject({ persona: 'Ada', modelId: 'tiny-1', ok: true, error: null, text: answer.text, tokens: answer.tokens })
    expect(e.queueWaitMs).toBeGreaterThanOrEqual(0)
    expect(e.ttftMs).not.toBeNull()
    expect(e.ttftMs!).toBeLessThanOrEqual(e.totalMs)
    const s = e.stats!
    // Every generated token measured, from its whole distribution (a small vocabulary).
    expect(s.tokens).toBe(answer.tokens)
    expect(s).toMatchObject({ generatedTokens: answer.tokens, answers: 1, endedAnswers: answer.finishReason === 'length' ? 0 : 1 })
    expect(s.normalizedEntropySum).toBeGreaterThan(0)
    expect(s.normalizedEntropySum).toBeLessThanOrEqual(s.tokens)
    expect(s.topProbabilitySum).toBeLessThanOrEqual(s.tokens)
    const m = windowMetrics(s)
    console.log('STATS', JSON.stringify(s), JSON.stringify(m), JSON.stringify(answer.text), answer.finishReason)
    expect(m.phi).toBeGreaterThanOrEqual(0)
    expect(m.phi).toBeLessThanOrEqual(1)
    expect(m.kappa).toBeGreaterThanOrEqual(1)
  }, 60_000)

  it('measures the very tokens of the answer: its log probabilities give the same surprise and confidence', async () => {
    const persona = h.host.inference.personas.get('Ada')
    const logprobs: TokenLogprob[] = []
    const { value: answer, events: [e] } = await reported(() =>
      h.host.inference.generate({ persona, history: [], prompt: 'Count with me', priority: 'default', features: { logprobs: { top: 1 } }, onText: (_t, lp) => logprobs.push(...(lp ?? [])) }),
    )
    expect(logprobs).toHaveLength(answer.tokens)
    const s = e.stats!
    expect(s.tokens).toBe(answer.tokens)
    // Greedy: the chosen token is the likeliest, so its probability is both the confidence and exp(−surprisal).
    const chosen = logprobs.map((l) => Math.exp(l.logprob))
    expect(s.topProbabilitySum).toBeCloseTo(chosen.reduce((a, p) => a + p, 0), 4)
    expect(s.surpriseSum).toBeCloseTo(logprobs.reduce((a, l) => a + Math.min(1, -l.logprob / LN64), 0), 4)
    // Two generations' sums are the window's.
    const window = addTokenStats(addTokenStats(emptyTokenStats(), events.at(-2)!.stats!), s)
    expect(window.tokens).toBe(events.at(-2)!.stats!.tokens + s.tokens)
    expect(window.answers).toBe(2)
  }, 60_000)

  it('measures a sampled answer over the sampler’s candidates (top-k 40), and a raw completion', async () => {
    const persona = h.host.inference.personas.get('Ada')
    const sampled = await reported(() => h.host.inference.generate({ persona, history: [], prompt: 'Surprise me', priority: 'default', settings: { temperature: 1, seed: 7 } }))
    const s = sampled.events[0].stats!
    expect(s.tokens).toBe(sampled.value.tokens)
    expect(s.entropyNatsSum / s.tokens).toBeLessThanOrEqual(Math.log(40) + 1e-9)
    const completion = await reported(() => h.host.inference.complete({ persona, prompt: 'Once upon a time', priority: 'default' }))
    expect(completion.events[0]).toMatchObject({ persona: 'Ada', ok: true, text: completion.value.text, tokens: completion.value.tokens })
    expect(completion.events[0].stats!.tokens).toBe(completion.value.tokens)
  }, 60_000)

  it('on a large vocabulary, measures greedy answers for repetition and agency only, sampled ones fully', async () => {
    const persona = h.host.inference.personas.get('Wide')
    const greedy = await reported(() => h.host.inference.generate({ persona, history: [], prompt: 'Hello', priority: 'default' }))
    expect(greedy.value.tokens).toBeGreaterThan(0)
    expect(greedy.events[0].stats).toMatchObject({ tokens: 0, entropyNatsSum: 0, generatedTokens: greedy.value.tokens, answers: 1 })
    expect(windowMetrics(greedy.events[0].stats!)).toMatchObject({ phi: null, kappa: null, agency: greedy.value.finishReason === 'length' ? 0 : 1 })
    const sampled = await reported(() => h.host.inference.generate({ persona, history: [], prompt: 'Hello', priority: 'default', settings: { temperature: 0.7, seed: 3 } }))
    expect(sampled.events[0].stats).toMatchObject({ tokens: sampled.value.tokens, generatedTokens: sampled.value.tokens })
  }, 60_000)

  it('measures nothing when asked not to, and the answer is the same', async () => {
    const persona = h.host.inference.personas.get('Ada')
    const ask = (measure?: boolean) => reported(() => h.host.inference.generate({ persona, history: [], prompt: 'Same again', priority: 'default', keepCache: false, ...(measure === undefined ? {} : { measure }) }))
    const measured = await ask()
    const unmeasured = await ask(false)
    expect(unmeasured.value.text).toBe(measured.value.text)
    expect(unmeasured.events[0]).toMatchObject({ ok: true, stats: null, tokens: measured.value.tokens })
    expect(measured.events[0].stats).not.toBeNull()
  }, 60_000)

  it('reports a failed generation with its error code and no statistics', async () => {
    const persona = h.host.inference.personas.get('Ada')
    const { events: [e] } = await reported(() => h.host.inference.complete({ persona, prompt: 'x'.repeat(4000), priority: 'default' }).catch((error: unknown) => error))
    expect(e).toMatchObject({ persona: 'Ada', modelId: 'tiny-1', ok: false, error: 'INVALID_INPUT', tokens: 0, text: '', stats: null, ttftMs: null })
    const cancel = new AbortController()
    const cancelled = await reported(() => h.host.inference.generate({ persona, history: [], prompt: 'Go on', priority: 'default', signal: cancel.signal, onText: () => cancel.abort() }).catch((error: unknown) => error))
    // A cancel mid-answer ends it early (a result), or before its first token (an error): either way it is reported.
    expect(cancelled.events).toHaveLength(1)
    const c = cancelled.events[0]
    if (c.ok) expect(c.stats).toMatchObject({ answers: 0 })
    else expect(c.error).toBe('CANCELLED')
  }, 60_000)
})
