import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { expectError } from '../../../../test/fixtures'
import { inferenceHost, waitFor, writeTinyModels } from '../../../../test/inference'
import { computeBudget } from './budget'

const GB = 1024 ** 3
const hosts: Array<ReturnType<typeof inferenceHost>> = []
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.host.shutdown()
})

async function setup(settings: Record<string, string | number> = {}) {
  const h = inferenceHost()
  hosts.push(h)
  await writeTinyModels(path.join(h.home, 'models'), 1)
  for (const [key, value] of Object.entries(settings)) await h.call('config.set', { key, value })
  for (const name of ['Long', 'Batch', 'Realtime']) await h.call('persona.create', { name, model: 'tiny-1', settings: { temperature: 0, maxTokens: name === 'Long' ? 600 : 8 } })
  await h.call('worker.load', { model: 'tiny-1' })
  return h
}

describe('requests', () => {
  it('serves a realtime request before an earlier batch one', async () => {
    const h = await setup({ parallelRequestsPerModel: 1 })
    const finished: string[] = []
    const run = (name: string, priority: 'batch' | 'realtime' | 'default') =>
      h.call('persona.chat', { name, prompt: 'go', priority, stateless: true }).then(() => void finished.push(name))
    const long = run('Long', 'default')
    await waitFor(() => h.host.inference.scheduler.slot('tiny-1')?.inFlight === 1, 'long running')
    const batch = run('Batch', 'batch')
    await waitFor(() => h.host.inference.scheduler.queueDepth() === 1, 'batch queued')
    const realtime = run('Realtime', 'realtime')
    await waitFor(() => h.host.inference.scheduler.queueDepth() === 2, 'realtime queued')
    await Promise.all([long, batch, realtime])
    expect(finished).toEqual(['Long', 'Realtime', 'Batch'])
  }, 60_000)

  it('cancels a generation from the API and returns what was generated so far', async () => {
    const h = await setup()
    const tokens: string[] = []
    h.host.onEvent((e) => {
      if (e.event === 'persona.token' && e.payload.callId === 'chat-1') tokens.push(e.payload.text)
    })
    const chat = h.call('persona.chat', { name: 'Long', prompt: 'talk' }, 'chat-1')
    await waitFor(() => tokens.length > 3, 'some tokens')
    expect(await h.call('operation.cancel', { callId: 'chat-1' })).toEqual({ cancelled: true })
    const r = await chat
    expect(r.finishReason).toBe('cancelled')
    expect(r.tokens).toBeLessThan(600)
    expect(r.text).toBe(tokens.join(''))
    expect(await h.call('operation.cancel', { callId: 'chat-1' })).toEqual({ cancelled: false })
  }, 60_000)

  it('answers a persona whose conversation outgrew its context, leaving out the oldest turns; refuses a prompt that alone does not fit', async () => {
    const h = await setup()
    const persona = h.host.inference.personas.get('Batch')
    const turns = Array.from({ length: 60 }, (_, i) => ({ role: i % 2 ? ('assistant' as const) : ('user' as const), text: `turn ${i}: ${'some words here '.repeat(20)}`, at: Date.now() }))
    h.host.inference.personas.append(persona.id, turns)
    const r = await h.call('persona.chat', { name: 'Batch', prompt: 'and now?' })
    expect(r.tokens).toBe(8)
    // The newest turns, in one large step: about half the context (1,024 tokens) they could have.
    expect(r.promptTokens).toBeGreaterThan(400)
    expect(r.promptTokens).toBeLessThanOrEqual(1022)
    expect(r.leftOutMessages).toBeGreaterThan(30)
    expect(r.leftOutMessages).toBeLessThan(60)
    const error = await expectError(h.call('persona.chat', { name: 'Batch', prompt: 'many words '.repeat(400) }))
    expect(error.code).toBe('INVALID_INPUT')
    expect(error.message).toMatch(/The messages take at least [\d,]+ tokens, but at most 1,022 fit: Batch's context holds 1,024 tokens/)
    expect(error.hint).toContain('contextSize')
  }, 60_000)

  it('does not store an answer that was running when the conversation was cleared', async () => {
    const h = await setup()
    const chat = h.call('persona.chat', { name: 'Long', prompt: 'talk' })
    await waitFor(() => h.host.inference.scheduler.slot('tiny-1')?.inFlight === 1, 'running')
    await h.call('persona.clear', { name: 'Long' })
    await chat
    expect((await h.call('persona.history', { name: 'Long' })).messages).toEqual([])
  }, 60_000)

  it('times out a request that waits too long, and one that runs too long', async () => {
    const h = await setup({ parallelRequestsPerModel: 1 })
    const long = h.call('persona.chat', { name: 'Long', prompt: 'go', stateless: true })
    await waitFor(() => h.host.inference.scheduler.slot('tiny-1')?.inFlight === 1, 'long running')
    const waited = await expectError(h.call('persona.chat', { name: 'Batch', prompt: 'x', stateless: true, timeoutMs: 100 }))
    expect(waited.code).toBe('TIMEOUT')
    expect(waited.message).toMatch(/waited 0 s without starting/)
    await long
    const ran = await expectError(h.call('persona.chat', { name: 'Long', prompt: 'go', stateless: true, timeoutMs: 150 }))
    expect(ran.code).toBe('TIMEOUT')
    expect(ran.message).toMatch(/did not finish within the request timeout/)
    // The worker is free again afterwards.
    expect((await h.call('persona.chat', { name: 'Batch', prompt: 'x', stateless: true })).tokens).toBeGreaterThan(0)
  }, 60_000)

  it('unloads a model left idle past idleUnloadMinutes, but not a pinned one', async () => {
    const h = await setup({ idleUnloadMinutes: 0.02 })
    await h.call('worker.pin', { model: 'tiny-1' })
    await new Promise((r) => setTimeout(r, 2500))
    expect((await h.call('worker.list', {})).workers).toHaveLength(1)
    await h.call('worker.pin', { model: 'tiny-1', unpin: true })
    await waitFor(async () => (await h.call('worker.list', {})).workers.length === 0, 'idle unload', 10_000)
    expect(h.events.some((e) => e.event === 'workers.changed' && /idle for/.test(e.payload.reason))).toBe(true)
  }, 60_000)
})

describe('memory budget', () => {
  it('is the GPUs’ memory when systeminformation reports one, the maxVRAM setting when set, else RAM less a reserve', () => {
    const nvidia = [{ vendor: 'NVIDIA', model: 'NVIDIA H100 80GB HBM3', totalBytes: 80 * GB, usedBytes: 1 * GB }]
    expect(computeBudget(0, nvidia)).toMatchObject({ source: 'gpu', totalBytes: 80 * GB })
    expect(computeBudget(0, nvidia).description).toMatch(/GPU memory \(NVIDIA NVIDIA H100/)
    expect(computeBudget(8000, nvidia)).toMatchObject({ source: 'setting', totalBytes: 8000 * 1024 * 1024 })
    expect(computeBudget(0, [], 24 * GB)).toMatchObject({ source: 'ram', totalBytes: 18 * GB })
    expect(computeBudget(0, [], 4 * GB)).toMatchObject({ source: 'ram', totalBytes: 2 * GB })
  })
})
