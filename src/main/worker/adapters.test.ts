/**
 * LoRA adapters hot-swapped in the worker (InferenceEngine with a real tiny model and real tiny
 * adapters, in process): an answer with an adapter set is exactly what a fresh worker with that set
 * gives, whatever ran before it; personas with different genomes never change each other's answers;
 * a bad adapter is refused and the worker goes on answering.
 */
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/fixtures'
import { writeTinyModels } from '../../../test/inference'
import { writeTinyAdapter } from '../../../test/adapters'
import type { AdapterRef, ChatTurn, GenerateRequest } from '../services/workers/protocol'
import { MAX_ADAPTER_CONTEXTS } from './contexts'
import { InferenceEngine } from './InferenceEngine'

const CONTEXT = 512
let dir: string
let modelFile: string
let engine: InferenceEngine
let A: AdapterRef
let B: AdapterRef
let bad: AdapterRef

async function newEngine(): Promise<InferenceEngine> {
  const e = new InferenceEngine()
  await e.load({ type: 'load', id: 'load', modelPath: modelFile, gpuLayers: 0, sequences: 2, contextSize: CONTEXT, threads: 1 })
  return e
}

beforeAll(async () => {
  dir = tempDir('warden-adapters-')
  ;[modelFile] = await writeTinyModels(dir, 1)
  A = await writeTinyAdapter(path.join(dir, 'a.gguf'), { seed: 7 })
  B = await writeTinyAdapter(path.join(dir, 'b.gguf'), { seed: 8, targets: ['attn_k', 'ffn_up'] })
  // Made for a model twice as wide: llama.cpp cannot apply it to this one.
  bad = await writeTinyAdapter(path.join(dir, 'wrong.gguf'), { seed: 9, base: { embd: 128 } })
  engine = await newEngine()
}, 60_000)

afterAll(async () => {
  await engine?.dispose()
})

let ids = 0
function request(sessionKey: string, history: ChatTurn[], prompt: string, adapters?: AdapterRef[]): GenerateRequest {
  return { type: 'generate', id: String(ids++), sessionKey, systemPrompt: 'You are terse.', history: [...history], prompt, temperature: 0, topP: 1, maxTokens: 16, seed: null, overflow: 'dropOldest', adapters }
}

/** One turn on `e`: asks, and adds the question and the answer to `history`. */
async function turn(e: InferenceEngine, sessionKey: string, history: ChatTurn[], prompt: string, adapters?: AdapterRef[]): Promise<string> {
  const r = await e.generate(request(sessionKey, history, prompt, adapters), () => undefined)
  history.push({ role: 'user', text: prompt }, { role: 'assistant', text: r.text })
  return r.text
}

/** What a fresh worker (new model, new contexts, nothing cached) answers to this conversation. */
async function fresh(history: ChatTurn[], prompt: string, adapters?: AdapterRef[]): Promise<string> {
  const e = await newEngine()
  try {
    return (await e.generate(request('fresh', history, prompt, adapters), () => undefined)).text
  } finally {
    await e.dispose()
  }
}

describe('LoRA adapters in the worker', () => {
  it('answers with each adapter set exactly as a fresh worker with that set does, however often the set changes', async () => {
    const sets: Array<AdapterRef[] | undefined> = [undefined, [A], [B], [A, B], [{ ...A, scale: 0.5 }], undefined, [A], [B, A]]
    const answers: string[] = []
    for (const set of sets) {
      const got = (await engine.generate(request('one-off', [], 'Say something about rivers.', set), () => undefined)).text
      expect(got).toBe(await fresh([], 'Say something about rivers.', set))
      answers.push(got)
    }
    // The adapters change the answer (each set its own way); the order they are given in does not.
    expect(new Set(answers.slice(0, 5)).size).toBe(5)
    expect(answers[5]).toBe(answers[0])
    expect(answers[7]).toBe(answers[3])
  }, 120_000)

  it('keeps a conversation exact when its genome changes from turn to turn (no cache from other adapters)', async () => {
    const history: ChatTurn[] = []
    const genomes = [[A], [B], [A], undefined, [A, B], [A]]
    for (const [i, genome] of genomes.entries()) {
      const expected = await fresh(history, `Question ${i}: and then?`, genome)
      expect(await turn(engine, 'persona-x', history, `Question ${i}: and then?`, genome)).toBe(expected)
    }
  }, 120_000)

  it('personas with different genomes on one worker never change each other’s answers, in turn or in parallel', async () => {
    const personas: Array<{ key: string; genome?: AdapterRef[] }> = [{ key: 'p-a', genome: [A] }, { key: 'p-b', genome: [B] }, { key: 'p-none' }, { key: 'p-ab', genome: [A, B] }]
    const prompts = ['Hello, who are you?', 'What do you like?', 'Tell me a story.']
    // Each persona alone on its own worker.
    const alone = new Map<string, string[]>()
    for (const p of personas) {
      const e = await newEngine()
      const h: ChatTurn[] = []
      const out: string[] = []
      for (const q of prompts) out.push(await turn(e, p.key, h, q, p.genome))
      alone.set(p.key, out)
      await e.dispose()
    }
    // Together on one worker: in turn, then all at once (two sequences per context, four contexts).
    const histories = new Map(personas.map((p) => [p.key, [] as ChatTurn[]]))
    for (const [i, q] of prompts.entries()) {
      if (i < 2) {
        for (const p of personas) expect(await turn(engine, `shared-${p.key}`, histories.get(p.key)!, q, p.genome)).toBe(alone.get(p.key)![i])
      } else {
        const got = await Promise.all(personas.map((p) => turn(engine, `shared-${p.key}`, histories.get(p.key)!, q, p.genome)))
        expect(got).toEqual(personas.map((p) => alone.get(p.key)![i]))
      }
    }
    // Personas on the same genome at once (one context, two sequences) as well.
    const [x, y] = await Promise.all([turn(engine, 'twin-1', [], prompts[0], [A]), turn(engine, 'twin-2', [], prompts[0], [A])])
    expect([x, y]).toEqual([alone.get('p-a')![0], alone.get('p-a')![0]])
  }, 180_000)

  it('refuses an adapter made for another model with a clear error, and the worker goes on answering as before', async () => {
    const before = (await engine.generate(request('plain', [], 'Plain question.'), () => undefined)).text
    const withA = (await engine.generate(request('plain-a', [], 'Plain question.', [A]), () => undefined)).text
    await expect(engine.generate(request('bad', [], 'Plain question.', [bad]), () => undefined)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining(bad.path),
    })
    await expect(engine.generate(request('bad', [], 'Plain question.', [A, bad]), () => undefined)).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    expect((await engine.generate(request('plain', [], 'Plain question.'), () => undefined)).text).toBe(before)
    expect((await engine.generate(request('plain-a', [], 'Plain question.', [A]), () => undefined)).text).toBe(withA)
  }, 60_000)

  it('refuses a missing adapter file, a relative path and a file whose bytes do not match its sha256', async () => {
    const missing = { ...A, path: path.join(dir, 'missing.gguf') }
    await expect(engine.generate(request('m', [], 'Hi.', [missing]), () => undefined)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('does not exist') })
    await expect(engine.generate(request('m', [], 'Hi.', [{ ...A, path: 'a.gguf' }]), () => undefined)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('absolute') })
    const other = await writeTinyAdapter(path.join(dir, 'c.gguf'), { seed: 10 })
    await expect(engine.generate(request('m', [], 'Hi.', [{ ...other, sha256: A.sha256 }]), () => undefined)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('sha256'),
    })
  }, 60_000)

  it(`keeps at most ${MAX_ADAPTER_CONTEXTS} adapter contexts, counts their memory, and answers the same after one was freed`, async () => {
    const scales = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7]
    const first = (await engine.generate(request('lru', [], 'Count to three.', [{ ...A, scale: scales[0] }]), () => undefined)).text
    for (const scale of scales.slice(1)) await engine.generate(request('lru', [], 'Count to three.', [{ ...A, scale }]), () => undefined)
    const stats = await engine.stats()
    // Two adapter files loaded (and one more from an earlier test), plus the contexts' KV caches.
    expect(stats.adapterBytes).toBeGreaterThan(0)
    expect(stats.adapterContexts).toBe(MAX_ADAPTER_CONTEXTS)
    expect((await engine.generate(request('lru', [], 'Count to three.', [{ ...A, scale: scales[0] }]), () => undefined)).text).toBe(first)
  }, 60_000)

  it('frees its adapter contexts when the model is unloaded, and a worker reused for the model answers with them as before', async () => {
    const withA = (await engine.generate(request('reuse', [], 'Once more.', [A]), () => undefined)).text
    await engine.unload()
    expect((await engine.stats()).adapterContexts).toBe(0)
    await engine.load({ type: 'load', id: 'again', modelPath: modelFile, gpuLayers: 0, sequences: 2, contextSize: CONTEXT, threads: 1 })
    expect((await engine.generate(request('reuse', [], 'Once more.', [A]), () => undefined)).text).toBe(withA)
  }, 60_000)
})
