/**
 * LoRA adapters through the host and a real worker process on a tiny model (GenerateCall.adapters):
 * the worker swaps adapter sets from one request to the next without restarting or reloading,
 * answers exactly what a fresh context with that set answers, keeps personas' genomes apart, and
 * survives an adapter made for another model.
 */
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeTinyAdapter } from '../../../../test/adapters'
import { inferenceHost, writeTinyModels } from '../../../../test/inference'
import type { AdapterRef } from '../workers/protocol'

let h: ReturnType<typeof inferenceHost>
/** A second host whose worker sees each adapter set for the first time: the reference answers. */
let ref: ReturnType<typeof inferenceHost>
let A: AdapterRef
let B: AdapterRef
let bad: AdapterRef

async function setup(): Promise<ReturnType<typeof inferenceHost>> {
  const host = inferenceHost()
  await writeTinyModels(path.join(host.home, 'models'), 1)
  for (const name of ['Ada', 'Bea', 'Cy']) await host.call('persona.create', { name, model: 'tiny-1', systemPrompt: 'You are terse.', settings: { temperature: 0, maxTokens: 12, contextSize: 512 } })
  return host
}

beforeAll(async () => {
  h = await setup()
  ref = await setup()
  const dir = path.join(h.home, 'adapter-files')
  A = await writeTinyAdapter(path.join(dir, 'a.gguf'), { seed: 7 })
  B = await writeTinyAdapter(path.join(dir, 'b.gguf'), { seed: 8 }, 0.8)
  // Made for a model with three layers; this one has two.
  bad = await writeTinyAdapter(path.join(dir, 'wrong.gguf'), { seed: 9, base: { layers: 3 } })
}, 60_000)

afterAll(async () => {
  await h?.host.shutdown()
  await ref?.host.shutdown()
})

function ask(name: string, prompt: string, adapters?: AdapterRef[], host = h) {
  const persona = host.host.inference.personas.get(name)
  return host.host.inference.generate({ persona, history: [], prompt, priority: 'default', sessionKey: `test:${name}`, adapters })
}

/** What a worker that never used another adapter set answers: the reference host, each set's first use there (a fresh context). */
async function fresh(prompt: string, adapters?: AdapterRef[]): Promise<string> {
  return (await ask('Ada', prompt, adapters, ref)).text
}

async function workerPid(): Promise<number | null> {
  return (await h.call('worker.list', {})).workers.find((w) => w.modelName === 'tiny-1')?.pid ?? null
}

describe('adapters in a worker process', () => {
  it('swaps adapter sets between requests on one worker, each answer exactly a fresh context’s, personas kept apart', async () => {
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
