import type { Llama } from 'node-llama-cpp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GrammarCache } from './grammars'

let llama: Llama
beforeAll(async () => {
  const { getLlama } = await import('node-llama-cpp')
  llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, maxThreads: 1 })
}, 60_000)
afterAll(() => llama?.dispose())

describe('GrammarCache', () => {
  it('builds a schema’s grammar once and reuses it for the same schema; keeps at most 32', async () => {
    const cache = new GrammarCache()
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } }
    const first = await cache.get(llama, { kind: 'schema', schema })
    expect(await cache.get(llama, { kind: 'schema', schema: { ...schema } })).toBe(first)
    expect(await cache.get(llama, { kind: 'schema', schema: { type: 'object', properties: { ok: { type: 'integer' } } } })).not.toBe(first)
    expect(await cache.get(llama, { kind: 'json' })).toBe(await cache.get(llama, { kind: 'json' }))
    for (let i = 0; i < 40; i++) await cache.get(llama, { kind: 'schema', schema: { enum: [i] } })
    expect(cache.size).toBe(32)
    // The least recently used went first.
    expect(await cache.get(llama, { kind: 'schema', schema })).not.toBe(first)
  }, 60_000)
})
