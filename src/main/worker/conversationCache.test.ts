/**
 * A conversation's cache in the worker (InferenceEngine with a real tiny model, in process): a warm
 * turn evaluates only its new tokens, the window keeps its start when the conversation outgrows the
 * context, and another conversation on the same model does not take the sequence away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/fixtures'
import { writeTinyModels } from '../../../test/inference'
import type { ChatTurn, GenerateRequest, GenerateResult } from '../services/workers/protocol'
import { InferenceEngine } from './InferenceEngine'

const CONTEXT = 512
let engine: InferenceEngine

beforeAll(async () => {
  const [file] = await writeTinyModels(tempDir('warden-conv-cache-'), 1)
  engine = new InferenceEngine()
  await engine.load({ type: 'load', id: 'load', modelPath: file, gpuLayers: 0, sequences: 2, contextSize: CONTEXT, threads: 1 })
}, 60_000)

afterAll(async () => {
  await engine?.dispose()
})

let ids = 0
/** One turn of `history`'s conversation: asks, and adds the question and the answer to it. */
async function turn(sessionKey: string, history: ChatTurn[], prompt: string, overrides: Partial<GenerateRequest> = {}): Promise<GenerateResult> {
  const r = await engine.generate(
    { type: 'generate', id: String(ids++), sessionKey, systemPrompt: 'You are terse.', history: [...history], prompt, temperature: 0, topP: 1, maxTokens: 12, seed: null, overflow: 'dropOldest', ...overrides },
    () => undefined,
  )
  history.push({ role: 'user', text: prompt }, { role: 'assistant', text: r.text })
  return r
}

describe('a conversation in the worker', () => {
  it('evaluates only the new turn on a warm turn, not the conversation before it', async () => {
    const history: ChatTurn[] = []
    const first = await turn('a', history, 'Hello there, how are you today?')
    expect(first.reusedTokens).toBe(0)
    expect(first.evaluatedTokens).toBe(first.promptTokens)
    for (let i = 0; i < 4; i++) await turn('a', history, `Tell me more about item number ${i}.`)
    const prev = await turn('a', history, 'One more thing.')
    const warm = await turn('a', history, 'And the last one?')
    expect(warm.droppedTurns).toBe(0)
    expect(warm.promptTokens).toBeGreaterThan(200)
    // The new question and the template around it: less than the window grew by, since the previous
    // answer is already in the cache; the whole conversation before is not evaluated again.
    expect(warm.evaluatedTokens).toBeLessThan(warm.promptTokens - prev.promptTokens)
    expect(warm.evaluatedTokens).toBeLessThan(40)
    expect(warm.reusedTokens).toBe(warm.promptTokens - warm.evaluatedTokens)
  }, 60_000)

  it('keeps the window’s start when the conversation outgrows the context: a large step now and then, not a slide every turn', async () => {
    const history: ChatTurn[] = []
    const results: GenerateResult[] = []
    for (let i = 0; i < 60; i++) results.push(await turn('long', history, `Question ${i}: what comes next in the list?`))
    const overflowing = results.filter((r) => r.droppedTurns > 0)
    expect(overflowing.length).toBeGreaterThan(30)
    // Each step leaves out several turns at once, and the window then keeps its start for a while.
    const steps = results.filter((r, i) => i > 0 && r.droppedTurns !== results[i - 1].droppedTurns)
    expect(steps.length).toBeGreaterThan(1)
    expect(steps.length).toBeLessThan(overflowing.length / 3)
    for (let i = 1; i < results.length; i++) {
      expect(results[i].droppedTurns).toBeGreaterThanOrEqual(results[i - 1].droppedTurns)
      if (results[i].droppedTurns !== results[i - 1].droppedTurns) expect(results[i].droppedTurns - results[i - 1].droppedTurns).toBeGreaterThan(2)
    }
    // Between steps, each turn evaluates its own tokens only; the context is never overrun.
    for (let i = 1; i < results.length; i++) {
      const [prev, r] = [results[i - 1], results[i]]
      // The window grew by the last answer and this question; the answer was already in the cache.
      if (r.droppedTurns === prev.droppedTurns) expect(r.evaluatedTokens).toBeLessThan(r.promptTokens - prev.promptTokens)
    }
    for (const r of results) expect(r.promptTokens + 12).toBeLessThanOrEqual(CONTEXT)
  }, 120_000)

  it('keeps the window when only the newest part of the conversation is sent (historyStart)', async () => {
    const history: ChatTurn[] = []
    // Talk until the window has just taken a step: there is room for the next turns.
    let last = await turn('tail', history, 'Question 0: and then?')
    for (let i = 1; last.droppedTurns === 0; i++) last = await turn('tail', history, `Question ${i}: and then?`)
    const start = last.droppedTurns
    const r = await turn('tail', history.slice(start), 'Next?', { historyStart: start })
    expect(r.droppedTurns).toBe(0)
    expect(r.evaluatedTokens).toBeLessThan(40)
    // Sent from a turn after the window's start, the window starts afresh there.
    const later = await turn('tail', history.slice(start + 2), 'More?', { historyStart: start + 2 })
    expect(later.reusedTokens).toBeLessThan(later.promptTokens / 2)
  }, 120_000)

  it('keeps a conversation’s cache while another conversation uses the model', async () => {
    const mine: ChatTurn[] = []
    const other: ChatTurn[] = []
    for (let i = 0; i < 3; i++) await turn('mine', mine, `My question ${i}?`)
    await turn('other', other, 'A question from somewhere else entirely.')
    const back = await turn('mine', mine, 'Back to me?')
    expect(back.reusedTokens).toBeGreaterThan(60)
    expect(back.evaluatedTokens).toBeLessThan(40)
  }, 60_000)
})
