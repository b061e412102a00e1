import * as path from 'node:path'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHost, writeTinyModels } from '../../../test/inference'
import { startServer } from './startServer'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function serve() {
  const h = inferenceHost()
  await writeTinyModels(path.join(h.home, 'models'), 1)
  await h.call('persona.create', { name: 'Ada', model: 'tiny-1', systemPrompt: 'You are Ada.', settings: { temperature: 0, maxTokens: 24 } })
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
})
