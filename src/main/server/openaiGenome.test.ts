import * as path from 'node:path'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHost, writeTinyModels } from '../../../test/inference'
import { tempDir } from '../../../test/fixtures'
import { writeTinyLora } from '../services/models/tinyGguf'
import { startServer } from './startServer'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('the OpenAI endpoint and a persona’s genome', () => {
  it('answers with the persona’s adapters, and refuses (naming it) an adapter that is gone', async () => {
    const h = inferenceHost()
    cleanups.push(() => h.host.shutdown())
    await writeTinyModels(path.join(h.home, 'models'), 1)
    const lora = await writeTinyLora(path.join(tempDir('warden-v1-genome-'), 'a.gguf'))
    await h.call('adapter.add', { path: lora.path, name: 'poet', base: 'tiny-1' })
    await h.call('persona.create', { name: 'Ada', model: 'tiny-1' })
    await h.call('persona.update', { name: 'Ada', adapters: 'poet' })
    const server = await startServer(h.host, { port: 0, rendererDir: null })
    cleanups.push(() => server.close())
    const client = new OpenAI({ baseURL: `${server.url}v1`, apiKey: server.token, maxRetries: 0 })
    const ask = () => client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, temperature: 0 })
    const withPoet = (await ask()).choices[0].message.content
    await h.call('persona.update', { name: 'Ada', genome: 'none' })
    const base = (await ask()).choices[0].message.content
    expect(withPoet).toBeTruthy()
    expect(withPoet).not.toBe(base)
    await h.call('persona.update', { name: 'Ada', genome: 'fixed' })
    expect((await ask()).choices[0].message.content).toBe(withPoet)
    // Each answer with the genome, streamed or not, counts as a use of its adapters (not those without it).
    const stream = await client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, temperature: 0, stream: true })
    let streamed = ''
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? ''
    expect(streamed).toBe(withPoet)
    expect((await h.call('adapter.list', {})).adapters[0].usage.generations).toBe(3)

    await h.call('adapter.remove', { name: 'poet' })
    await expect(ask()).rejects.toMatchObject({ status: 404, message: expect.stringContaining('names the adapter poet, which is not there') })
    await h.call('persona.update', { name: 'Ada', genome: 'none' })
    expect((await ask()).choices[0].message.content).toBe(base)
  }, 60_000)
})
