/**
 * LoRA adapters through the host and a real worker process on a tiny model (GenerateCall.adapters):
 * the worker swaps adapter sets from one request to the next without restarting or reloading,
 * answers exactly what a fresh engine with that set answers, keeps personas' genomes apart, and
 * survives an adapter made for another model.
 */
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inferenceHost, writeTinyModels } from '../../../../test/inference'
import { writeTinyLora } from '../models/tinyGguf'
import type { AdapterRef } from '../workers/protocol'
import { InferenceEngine } from '../../worker/InferenceEngine'

let h: ReturnType<typeof inferenceHost>
let modelFile: string
let A: AdapterRef
let B: AdapterRef
let bad: AdapterRef

beforeAll(async () => {
  h = inferenceHost()
  ;[modelFile] = await writeTinyModels(path.join(h.home, 'models'), 1)
  const dir = path.join(h.home, 'adapter-files')
  const a = await writeTinyLora(path.join(dir, 'a.gguf'), { seed: 7 })
  const b = await writeTinyLora(path.join(dir, 'b.gguf'), { seed: 8 })
  const wrong = await writeTinyLora(path.join(dir, 'wrong.gguf'), { seed: 9, base: { layers: 3 } })
  A = { path: a.path, scale: 1, sha256: a.sha256 }
  B = { path: b.path, scale: 0.8, sha256: b.sha256 }
  bad = { path: wrong.path, scale: 1, sha256: wrong.sha256 }
  for (const name of ['Ada', 'Bea', 'Cy']) await h.call('persona.create', { name, model: 'tiny-1', systemPrompt: 'You are terse.', settings: { temperature: 0, maxTokens: 12, contextSize: 512 } })
}, 60_000)

afterAll(async () => {
  await h?.host.shutdown()
})

function ask(name: string, prompt: string, adapters?: AdapterRef[]) {
  const persona = h.host.inference.personas.get(name)
  return h.host.inference.generate({ persona, history: [], prompt, priority: 'default', sessionKey: `test:${name}`, adapters })
}

/** What a fresh in-process engine with the same model and adapters answers (temperature 0). */
async function fresh(prompt: string, adapters?: AdapterRef[]): Promise<string> {
  const e = new InferenceEngine()
  try {
    await e.load({ type: 'load', id: 'l', modelPath: modelFile, gpuLayers: 0, sequences: 1, contextSize: 512, threads: 1 })
    const r = await e.generate(
      { type: 'generate', id: 'g', sessionKey: 's', systemPrompt: 'You are terse.', history: [], prompt, temperature: 0, topP: 1, maxTokens: 12, seed: null, overflow: 'dropOldest', adapters },
      () => undefined,
    )
    return r.text
  } finally {
    await e.dispose()
  }
}

async function workerPid(): Promise<number | null> {
  return (await h.call('worker.list', {})).workers.find((w) => w.modelName === 'tiny-1')?.pid ?? null
}

describe('adapters in a worker process', () => {
  it('swaps adapter sets between requests on one worker, each answer exactly a fresh engine’s, personas kept apart', async () => {
    const q = 'What is on your mind?'
    const expected = { none: await fresh(q), a: await fresh(q, [A]), b: await fresh(q, [B]) }
    expect(new Set(Object.values(expected)).size).toBe(3)
    expect((await ask('Ada', q)).text).toBe(expected.none)
    const pid = await workerPid()
    expect(pid).not.toBeNull()
    expect((await ask('Ada', q, [A])).text).toBe(expected.a)
    expect((await ask('Bea', q, [B])).text).toBe(expected.b)
    expect((await ask('Ada', q)).text).toBe(expected.none)
    // At once, each with its own genome.
    const together = await Promise.all([ask('Ada', q, [A]), ask('Bea', q, [B]), ask('Cy', q)])
    expect(together.map((r) => r.text)).toEqual([expected.a, expected.b, expected.none])
    // No restart, no reload: the same process served every request.
    expect(await workerPid()).toBe(pid)
    const worker = (await h.call('worker.list', {})).workers.find((w) => w.modelName === 'tiny-1')!
    expect(worker.restarts).toBe(0)
  }, 120_000)

  it('refuses an adapter made for another model with INVALID_INPUT naming it; the worker stays up and answers as before', async () => {
    const q = 'Anything new?'
    const before = (await ask('Cy', q)).text
    const withA = (await ask('Ada', q, [A])).text
    const pid = await workerPid()
    expect(pid).not.toBeNull()
    await expect(ask('Bea', q, [bad])).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('wrong.gguf') })
    expect((await ask('Cy', q)).text).toBe(before)
    expect((await ask('Ada', q, [A])).text).toBe(withA)
    expect(await workerPid()).toBe(pid)
  }, 120_000)
})
