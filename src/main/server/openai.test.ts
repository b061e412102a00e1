import * as path from 'node:path'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHost, waitFor, writeTinyModels } from '../../../test/inference'
import { writeTinyModel } from '../services/models/tinyGguf'
import type { GenerateCall } from '../services/inference/InferenceService'
import { WardenError } from '../../shared/errors'
import { CHAT_LIMITS } from './openai'
import { startServer } from './startServer'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function serve(options: { contextSize?: number; shape?: Parameters<typeof writeTinyModel>[1] } = {}) {
  const h = inferenceHost()
  if (options.contextSize) {
    await writeTinyModel(path.join(h.home, 'models', 'tiny-1.gguf'), { name: 'tiny-1', seed: 1000, contextLength: options.contextSize, ...options.shape })
  } else await writeTinyModels(path.join(h.home, 'models'), 1)
  await h.call('persona.create', { name: 'Ada', model: 'tiny-1', systemPrompt: 'You are Ada.', settings: { temperature: 0, maxTokens: 24, contextSize: options.contextSize ?? 1024 } })
  const server = await startServer(h.host, { port: 0, rendererDir: null })
  cleanups.push(() => h.host.shutdown(), () => server.close())
  const client = new OpenAI({ baseURL: `${server.url}v1`, apiKey: server.token, maxRetries: 0 })
  return { ...h, server, client }
}

describe('OpenAI-compatible endpoint', () => {
  it('lists personas as models and answers chat completions, streamed and not, with the official client', async () => {
    const { client, call } = await serve()
    const models = await client.models.list()
    expect(models.data.map((m) => m.id)).toEqual(['Ada'])

    const whole = await client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: 'Hello there' }], temperature: 0, seed: null, top_p: null })
    const text = whole.choices[0].message.content ?? ''
    expect(text.length).toBeGreaterThan(0)
    expect(whole.choices[0].finish_reason).toBe('length') // tiny random models never stop on their own
    expect(whole.usage?.completion_tokens).toBe(24)

    const stream = await client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: 'Hello there' }], temperature: 0, stream: true })
    const pieces: string[] = []
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta?.content ?? '')
    expect(pieces.filter(Boolean).length).toBeGreaterThan(1) // really streamed, piece by piece
    expect(pieces.join('')).toBe(text) // greedy: the same answer
    // The endpoint does not write into the persona's own conversation.
    expect((await call('persona.history', { name: 'Ada' })).messages).toEqual([])
  }, 60_000)

  it('refuses a wrong key, an unknown persona and a request without a user message, in OpenAI’s error format', async () => {
    const { server, client } = await serve()
    const bad = new OpenAI({ baseURL: `${server.url}v1`, apiKey: 'wrong', maxRetries: 0 })
    await expect(bad.models.list()).rejects.toMatchObject({ status: 401 })
    await expect(client.chat.completions.create({ model: 'Nobody', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('No persona named "Nobody"'),
    })
    await expect(client.chat.completions.create({ model: 'Ada', messages: [{ role: 'assistant', content: 'hi' }] })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('last message must be from the user'),
    })
  }, 60_000)

  it('refuses too many messages, a message too long and a body too big, naming the field and the limit', async () => {
    const { client } = await serve()
    const many = Array.from({ length: CHAT_LIMITS.maxMessages + 1 }, () => ({ role: 'user' as const, content: 'hi' }))
    await expect(client.chat.completions.create({ model: 'Ada', messages: many })).rejects.toMatchObject({
      status: 400,
      param: 'messages',
      message: expect.stringContaining('at most 1,000 messages in one request, this one has 1,001'),
    })
    const long = 'x'.repeat(CHAT_LIMITS.maxMessageChars + 1)
    await expect(client.chat.completions.create({ model: 'Ada', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: long }] })).rejects.toMatchObject({
      status: 400,
      param: 'messages[1].content',
      message: expect.stringContaining('messages[1].content: a message holds at most 1,000,000 characters, this one has 1,000,001'),
    })
    const half = 'y'.repeat(CHAT_LIMITS.maxMessageChars)
    await expect(client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: half }, { role: 'assistant', content: half }, { role: 'user', content: 'and?' }] })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('all messages together hold at most 2,000,000 characters'),
    })
    const huge = 'z'.repeat(CHAT_LIMITS.maxBodyBytes)
    await expect(client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: huge }] })).rejects.toMatchObject({
      status: 413,
      message: expect.stringContaining('larger than 8,388,608 bytes'),
    })
    // Still serving.
    expect((await client.models.list()).data).toHaveLength(1)
  }, 60_000)

  it('refuses a conversation longer than the persona’s context with 400 context_length_exceeded naming the context size', async () => {
    const { client } = await serve()
    const words = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ')
    const error = await client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: words }] }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 400, code: 'context_length_exceeded', type: 'invalid_request_error' })
    expect((error as Error).message).toMatch(/The messages take (at least )?[\d,]+ tokens, but at most 1,022 fit: Ada's context holds 1,024 tokens/)
    // A long conversation is refused too, not cut short; a short one is answered.
    const turns = Array.from({ length: 40 }, (_, i) => ({ role: i % 2 ? ('assistant' as const) : ('user' as const), content: `message number ${i} with a few words in it` }))
    await expect(client.chat.completions.create({ model: 'Ada', messages: [...turns, { role: 'user', content: 'so?' }] })).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' })
    const ok = await client.chat.completions.create({ model: 'Ada', messages: [...turns.slice(-4), { role: 'user', content: 'so?' }] })
    expect(ok.usage?.prompt_tokens).toBeGreaterThan(100)
    expect(ok.usage?.prompt_tokens).toBeLessThan(1022)
  }, 60_000)

  it('a client that disconnects while its prompt is evaluated frees the worker for the next request at once', async () => {
    // A context of 8,192 tokens and a wider model, so that evaluating a full prompt takes a while.
    const { client, call, host } = await serve({ contextSize: 8192, shape: { embd: 128, layers: 4, ff: 256 } })
    await call('config.set', { key: 'parallelRequestsPerModel', value: 1 }) // the next request waits for the worker
    // How each request ends, as the (real) inference service reports it.
    const outcomes = new Map<string, Promise<string>>()
    const generate = host.inference.generate.bind(host.inference)
    host.inference.generate = (c: GenerateCall) => {
      const p = generate(c)
      outcomes.set(c.prompt.slice(0, 12), p.then((r) => `finished: ${r.finishReason}`, (e: unknown) => WardenError.from(e).message))
      return p
    }
    const big = (tag: string) => `${tag} ${Array.from({ length: 1200 }, (_, i) => `w${(i * 7) % 1000}`).join(' ')}`
    const small = { model: 'Ada', messages: [{ role: 'user' as const, content: 'Hello' }], max_tokens: 4 }
    await client.chat.completions.create(small) // the model is loaded

    // The baseline: a big prompt evaluated to the end, then one token.
    let started = performance.now()
    const full = await client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: big('first-prompt') }], max_tokens: 1 })
    const fullMs = performance.now() - started
    expect(full.usage?.prompt_tokens).toBeGreaterThan(5000)

    // Another big prompt (nothing of it cached); its client goes away while it is evaluated.
    const leaving = new AbortController()
    const gone = client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: big('second-promp') }], max_tokens: 1 }, { signal: leaving.signal }).catch((e: unknown) => e)
    await waitFor(async () => (await call('worker.list', {})).workers.find((w) => w.modelId === 'tiny-1')?.inFlight === 1, 'the big request to reach the worker')
    await new Promise((r) => setTimeout(r, fullMs * 0.15))
    leaving.abort()
    started = performance.now()
    const next = await client.chat.completions.create(small)
    const nextMs = performance.now() - started
    expect(next.choices[0].message.content?.length).toBeGreaterThan(0)
    expect(await gone).toBeInstanceOf(Error)
    // The worker stopped evaluating the prompt part-way, and the next request did not wait for the rest
    // (measured here: about 45 ms after the disconnect, against 2–4 s for the whole prompt).
    expect(await outcomes.get('second-promp')).toMatch(/cancelled while its prompt was evaluated \(\d+ of \d+ tokens\)/)
    expect(nextMs).toBeLessThan(fullMs * 0.4)
  }, 120_000)
})
