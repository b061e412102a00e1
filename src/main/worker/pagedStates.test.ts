/**
 * States kept while a model is paged out (InferenceEngine with real tiny models, in process): the
 * conversation that comes back to the same model file is restored and evaluates only its new turn;
 * a state saved from another file at that path is deleted, never loaded.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/fixtures'
import { writeTinyModels } from '../../../test/inference'
import type { AdapterRef, ChatTurn, GenerateResult } from '../services/workers/protocol'
import { InferenceEngine } from './InferenceEngine'
import { writeTinyAdapter } from '../../../test/adapters'

const engines: InferenceEngine[] = []
afterEach(async () => {
  for (const e of engines.splice(0)) await e.dispose()
})

async function loaded(modelPath: string, pagedStateDir: string): Promise<InferenceEngine> {
  const engine = new InferenceEngine()
  engines.push(engine)
  await engine.load({ type: 'load', id: 'load', modelPath, gpuLayers: 0, sequences: 2, contextSize: 512, threads: 1, pagedStateDir })
  return engine
}

let ids = 0
async function turn(engine: InferenceEngine, history: ChatTurn[], prompt: string, adapters?: AdapterRef[]): Promise<GenerateResult> {
  const r = await engine.generate(
    { type: 'generate', id: String(ids++), sessionKey: 'persona:x:0', systemPrompt: 'You are terse.', history: [...history], prompt, temperature: 0, topP: 1, maxTokens: 10, seed: null, overflow: 'dropOldest', ...(adapters ? { adapters } : {}) },
    () => undefined,
  )
  history.push({ role: 'user', text: prompt }, { role: 'assistant', text: r.text })
  return r
}

describe('states kept while a model is paged out', () => {
  it('restores the conversation into the same model file once, and deletes a state saved from another file at that path', async () => {
    const dir = tempDir('warden-paged-')
    const [model, other] = await writeTinyModels(path.join(dir, 'models'), 2)
    const states = path.join(dir, 'paged')
    const history: ChatTurn[] = []
    let engine = await loaded(model, states)
    for (let i = 0; i < 4; i++) await turn(engine, history, `Tell me about item ${i}.`)
    await engine.unload()
    expect(fs.readdirSync(states).sort().map((f) => path.extname(f))).toEqual(['.bin', '.json'])

    engine = await loaded(model, states)
    const back = await turn(engine, [...history], 'And then?')
    expect(back.evaluatedTokens).toBeLessThan(back.promptTokens / 4)
    expect(fs.readdirSync(states)).toEqual([]) // restored once
    await engine.unload()
    expect(fs.readdirSync(states)).toHaveLength(2)

    // Another model now at that path: its state is never loaded; the conversation is evaluated again.
    fs.copyFileSync(other, model)
    engine = await loaded(model, states)
    expect(fs.readdirSync(states)).toEqual([])
    const cold = await turn(engine, [...history], 'And then?')
    expect(cold.evaluatedTokens).toBe(cold.promptTokens)
  }, 120_000)

  it('keeps a conversation of a context with adapters: restored only into a context with the same adapter set', async () => {
    const dir = tempDir('warden-paged-')
    const [model] = await writeTinyModels(path.join(dir, 'models'), 1)
    const poet: AdapterRef[] = [await writeTinyAdapter(path.join(dir, 'poet.gguf'))]
    const states = path.join(dir, 'paged')
    const history: ChatTurn[] = []
    let engine = await loaded(model, states)
    for (let i = 0; i < 4; i++) await turn(engine, history, `Tell me about item ${i}.`, poet)
    const reference = await turn(engine, [...history], 'And then?', poet)
    await engine.unload()
    expect(fs.readdirSync(states)).toHaveLength(2)

    // The base context does not take it: the conversation is evaluated again there, and the state stays.
    engine = await loaded(model, states)
    const base = await turn(engine, [...history], 'And then?')
    expect(base.evaluatedTokens).toBe(base.promptTokens)
    expect(fs.readdirSync(states).filter((f) => f.endsWith('.json'))).toHaveLength(1)
    // The same adapter set does: the same answer, the cached conversation not evaluated again.
    const back = await turn(engine, [...history], 'And then?', poet)
    expect(back.text).toBe(reference.text)
    expect(back.evaluatedTokens).toBeLessThan(back.promptTokens / 4)
  }, 120_000)
})
