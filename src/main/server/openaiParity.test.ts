import * as http from 'node:http'
import * as path from 'node:path'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHost, waitFor, writeTinyModels } from '../../../test/inference'
import { writeTinyModel } from '../services/models/tinyGguf'
import { startServer } from './startServer'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function serve(options: { contextSize?: number } = {}) {
  const h = inferenceHost()
  if (options.contextSize) await writeTinyModel(path.join(h.home, 'models', 'tiny-1.gguf'), { name: 'tiny-1', seed: 1000, contextLength: options.contextSize })
  else await writeTinyModels(path.join(h.home, 'models'), 1)
  await h.call('persona.create', { name: 'Ada', model: 'tiny-1', systemPrompt: 'You are Ada.', settings: { temperature: 0, maxTokens: 24, contextSize: options.contextSize ?? 1024 } })
  const server = await startServer(h.host, { port: 0, rendererDir: null })
  cleanups.push(() => h.host.shutdown(), () => server.close())
  const client = new OpenAI({ baseURL: `${server.url}v1`, apiKey: server.token, maxRetries: 0 })
  return { ...h, server, client }
}

const hello = [{ role: 'user' as const, content: 'Hello there' }]

/** A raw HTTP exchange (browsers' headers such as Origin, which fetch clients may not set). */
function request(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string>,
  body?: string,
  /** Called once, when the first bytes of the body arrive. */
  onFirstData?: () => void,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        if (!text) onFirstData?.()
        text += d
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('OpenAI endpoint parity', () => {
  it('a streamed request refused before its first token gets the same status, body and retry headers as without stream', async () => {
    const { client, call } = await serve()
    // A model that cannot fit the memory budget (before anything is loaded): 507, and "do not retry" for OpenAI's SDKs (which retry every 5xx).
    await call('config.set', { key: 'maxVRAM', value: 1 })
    for (const stream of [false, true]) {
      const error = (await client.chat.completions.create({ model: 'Ada', messages: hello, stream }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>
      expect(error).toBeInstanceOf(OpenAI.APIError)
      expect(error.status).toBe(507)
      expect(error.headers?.get('x-should-retry')).toBe('false')
      expect(error.headers?.get('content-type')).toMatch(/^application\/json/)
      expect(error.headers?.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/)
    }
    await call('config.set', { key: 'maxVRAM', value: 0 })

    // Unknown persona, and a prompt longer than the context: the status, not a 200 with an error event.
    await expect(client.chat.completions.create({ model: 'Nobody', messages: hello, stream: true })).rejects.toMatchObject({ status: 404, code: 'model_not_found' })
    const words = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ')
    await expect(client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: words }], stream: true })).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' })

    // A full queue: 503 with Retry-After, streamed or not. One request runs, one waits (maxQueueSize 1).
    await call('config.set', { key: 'parallelRequestsPerModel', value: 1 })
    await call('config.set', { key: 'maxQueueSize', value: 1 })
    const stop = new AbortController()
    const running = await client.chat.completions.create({ model: 'Ada', messages: hello, stream: true, max_tokens: 100_000 }, { signal: stop.signal })
    const iterator = running[Symbol.asyncIterator]()
    await iterator.next() // it has started: it holds the worker's only sequence
    const waiting = client.chat.completions.create({ model: 'Ada', messages: hello }, { signal: stop.signal }).catch((e: unknown) => e)
    await waitFor(() => call('worker.list', {}).then((w) => w.queue.depth === 1), 'the second request to wait in the queue')
    for (const stream of [true, false]) {
      const error = (await client.chat.completions.create({ model: 'Ada', messages: hello, stream }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>
      expect(error.status).toBe(503)
      expect(error.headers?.get('retry-after')).toBe('2')
      expect(error.message).toContain('Warden is busy')
    }
    stop.abort()
    await waiting
  }, 120_000)

  it('a stream cut by Warden midway ends with an error event the openai client raises, and no [DONE]', async () => {
    const { client, call, server } = await serve({ contextSize: 8192 })
    const stream = await client.chat.completions.create({ model: 'Ada', messages: hello, stream: true, max_tokens: 8000 })
    const pieces: string[] = []
    const reading = (async () => {
      for await (const chunk of stream) {
        pieces.push(chunk.choices[0]?.delta?.content ?? '')
        if (pieces.length === 3) await call('worker.kill', { model: 'tiny-1' })
      }
    })()
    const error = await reading.then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as Error).message).toMatch(/The worker for tiny-1 (crashed|was killed|killed)/)
    expect(pieces.length).toBeGreaterThanOrEqual(3)

    // The same cut, read raw: an error event last, no [DONE], no finish_reason "stop".
    const body = JSON.stringify({ model: 'Ada', messages: hello, stream: true, max_tokens: 8000 })
    const raw = request(server.port, 'POST', '/v1/chat/completions', { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body, () => void call('worker.kill', { model: 'tiny-1' }))
    const reply = await raw
    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toMatch(/^text\/event-stream/)
    const events = reply.body.trim().split('\n\n')
    expect(JSON.parse(events.at(-1)!.replace(/^data: /, ''))).toMatchObject({ error: { message: expect.stringContaining('tiny-1'), type: 'server_error', code: 'WORKER_CRASHED' } })
    expect(reply.body).not.toContain('[DONE]')
    expect(reply.body).not.toContain('"finish_reason":"stop"')

    // Cut by the request time limit while it generates: an error too, never a "stop".
    await client.chat.completions.create({ model: 'Ada', messages: hello, max_tokens: 1 }) // loaded again
    await call('config.set', { key: 'requestTimeoutMs', value: 1000 })
    const finishes: Array<string | null> = []
    const timedOut = await (async () => {
      for await (const chunk of await client.chat.completions.create({ model: 'Ada', messages: hello, stream: true, max_tokens: 8000 })) finishes.push(chunk.choices[0]?.finish_reason ?? null)
    })().catch((e: unknown) => e)
    expect(timedOut).toBeInstanceOf(OpenAI.APIError)
    expect((timedOut as Error).message).toContain('did not finish within the request timeout')
    expect(finishes.filter(Boolean)).toEqual([])
  }, 120_000)

  it('counts the prompt’s tokens and sends the usage chunk with stream_options.include_usage', async () => {
    const { client } = await serve()
    const whole = await client.chat.completions.create({ model: 'Ada', messages: hello, max_tokens: 8 })
    expect(whole.usage?.prompt_tokens).toBeGreaterThan(5)
    expect(whole.usage?.total_tokens).toBe(whole.usage!.prompt_tokens + 8)
    expect(whole).toMatchObject({ object: 'chat.completion', system_fingerprint: expect.stringMatching(/^fp_warden_/) })

    const stream = await client.chat.completions.create({ model: 'Ada', messages: hello, max_tokens: 8, stream: true, stream_options: { include_usage: true } })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    const last = chunks.at(-1)!
    expect(last.choices).toEqual([])
    expect(last.usage).toEqual(whole.usage)
    expect(chunks.at(-2)!.choices[0].finish_reason).toBe('length')
    expect(chunks.slice(0, -1).every((c) => c.usage === null && c.object === 'chat.completion.chunk')).toBe(true)
    // Without include_usage: no usage chunk.
    const plain = await client.chat.completions.create({ model: 'Ada', messages: hello, max_tokens: 8, stream: true })
    for await (const chunk of plain) expect(chunk.choices).toHaveLength(1)
  }, 60_000)

  it('gives each request without a seed its own random seed; the same seed gives the same answer', async () => {
    const { client, call } = await serve()
    const ask = (seed?: number) => client.chat.completions.create({ model: 'Ada', messages: hello, temperature: 2, max_tokens: 48, ...(seed === undefined ? {} : { seed }) })
    const [a, b] = await Promise.all([ask(), ask()])
    expect(a.choices[0].message.content).not.toBe(b.choices[0].message.content)
    const [c, d] = await Promise.all([ask(7), ask(7)])
    expect(c.choices[0].message.content).toBe(d.choices[0].message.content)
    // OpenAI's seeds are 64-bit: 2⁶³ − 1 arrives as 2⁶³ (JSON numbers are doubles), not a "safe" integer, and
    // is taken like the others, modulo 2³² (llama.cpp's seed): 2⁶³ and −2⁶³ as 0, 2³² + 7 as 7.
    const [big, low, zero, wrapped] = await Promise.all([ask(2 ** 63 - 1), ask(-(2 ** 63)), ask(0), ask(2 ** 32 + 7)])
    expect(big.choices[0].message.content).toBe(zero.choices[0].message.content)
    expect(low.choices[0].message.content).toBe(zero.choices[0].message.content)
    expect(wrapped.choices[0].message.content).toBe(c.choices[0].message.content)
    expect(zero.choices[0].message.content).not.toBe(c.choices[0].message.content)
    await expect(ask(1.5)).rejects.toMatchObject({ status: 400, message: expect.stringContaining('seed: an integer') })
    // A persona's own chat without a seed setting too.
    await call('persona.create', { name: 'Hot', model: 'tiny-1', systemPrompt: '', settings: { temperature: 2, maxTokens: 48 } })
    const [x, y] = await Promise.all([call('persona.chat', { name: 'Hot', prompt: 'Hi', stateless: true }), call('persona.chat', { name: 'Hot', prompt: 'Hi', stateless: true })])
    expect(x.text).not.toBe(y.text)
  }, 60_000)

  it('accepts the fields OpenAI’s clients send and clamps max_tokens to the context, saying so', async () => {
    const { client } = await serve()
    const { data, response } = await client.chat.completions
      .create({
        model: 'Ada',
        messages: [
          { role: 'developer', content: 'Be brief.' },
          { role: 'user', name: 'ada_fan', content: [{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'there' }] },
        ],
        user: 'someone',
        metadata: { app: 'test' },
        store: false,
        frequency_penalty: 0.5,
        presence_penalty: 0.5,
        logit_bias: { '50256': -100 },
        parallel_tool_calls: false,
        service_tier: 'auto',
        reasoning_effort: 'low',
        n: 1,
        temperature: 0, // greedy: the tiny model never ends on its own, so it fills the context
        top_p: 0,
        seed: -5,
        max_completion_tokens: 100_000,
      })
      .withResponse()
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('x-request-id')).toMatch(/^req_/)
    expect(response.headers.get('x-warden-notice')).toContain('max_tokens 100,000 is more than the context holds (1,024 tokens)')
    expect((data as unknown as { warden: { notices: string[] } }).warden.notices[0]).toContain('max_tokens 100,000')
    // Generated to the end of the context, not past it.
    expect(data.choices[0].finish_reason).toBe('length')
    expect(data.usage!.total_tokens).toBeLessThanOrEqual(1024)
    expect(data.usage!.completion_tokens).toBeGreaterThan(900)

    await expect(client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,' } }] }] })).rejects.toMatchObject({
      status: 400,
      param: 'messages[0].content',
      message: expect.stringContaining('text only, this part is of type "image_url"'),
    })
    await expect(client.chat.completions.create({ model: 'Ada', messages: hello, n: 2 })).rejects.toMatchObject({ status: 400, param: 'n' })
  }, 60_000)

  it('GET /v1/models/{id} finds a persona by its percent-encoded name, 404 model_not_found otherwise', async () => {
    const { client, call, server } = await serve()
    await call('persona.create', { name: 'Dr. Who 2', model: 'tiny-1', systemPrompt: '' })
    expect(await client.models.retrieve('Dr. Who 2')).toMatchObject({ id: 'Dr. Who 2', object: 'model', owned_by: 'warden' })
    expect(await client.models.retrieve('Ada')).toMatchObject({ id: 'Ada' })
    await expect(client.models.retrieve('Nobody/../x')).rejects.toMatchObject({ status: 404, code: 'model_not_found' })
    const bad = await request(server.port, 'GET', '/v1/models/%E0%A4%A', { authorization: `Bearer ${server.token}` })
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body).error.message).toContain('percent-encoding')
    const none = await request(server.port, 'GET', '/v1/nothing', { authorization: `Bearer ${server.token}` })
    expect(none.status).toBe(404)
    expect(JSON.parse(none.body).error).toMatchObject({ code: 'unknown_url', message: expect.stringContaining('POST /v1/embeddings') })
  }, 60_000)

  it('POST /v1/completions continues the raw prompt, streamed or not, with echo, and refuses a prompt longer than the context', async () => {
    const { client } = await serve()
    const whole = await client.completions.create({ model: 'Ada', prompt: 'Once upon a time', max_tokens: 16, temperature: 0, stop: ['\n'], best_of: 1 })
    expect(whole).toMatchObject({ object: 'text_completion', choices: [{ index: 0, finish_reason: 'length' }] })
    expect(whole.choices[0].text.length).toBeGreaterThan(0)
    expect(whole.usage?.completion_tokens).toBe(16)
    // No chat template, no system prompt: fewer prompt tokens than the same text as a chat message.
    const chat = await client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 1 })
    expect(whole.usage!.prompt_tokens).toBeGreaterThan(3)
    expect(whole.usage!.prompt_tokens).toBeLessThan(chat.usage!.prompt_tokens)

    // A stop text taken from the middle of that greedy answer ends the same completion before it.
    const full = whole.choices[0].text
    const stopText = full.slice(Math.floor(full.length / 2), Math.floor(full.length / 2) + 2)
    const stopped = await client.completions.create({ model: 'Ada', prompt: 'Once upon a time', max_tokens: 16, temperature: 0, stop: stopText })
    expect(stopped.choices[0]).toMatchObject({ finish_reason: 'stop', text: full.slice(0, full.indexOf(stopText)) })

    const stream = await client.completions.create({ model: 'Ada', prompt: ['Once upon a time'], max_tokens: 16, temperature: 0, stream: true, echo: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? ''
    expect(text).toBe(`Once upon a time${whole.choices[0].text}`)

    const long = Array.from({ length: 900 }, (_, i) => `w${i}`).join(' ')
    await expect(client.completions.create({ model: 'Ada', prompt: long, stream: true })).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' })
    await expect(client.completions.create({ model: 'Ada', prompt: ['a', 'b'] })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('one prompt per request') })
  }, 60_000)

  it('POST /v1/embeddings embeds texts with a persona’s model or an installed model, in float or base64 (the client’s default)', async () => {
    const { client, home } = await serve()
    const viaClient = await client.embeddings.create({ model: 'Ada', input: ['hello world', 'something else'] }) // base64 on the wire, decoded by the client
    expect(viaClient.data).toHaveLength(2)
    expect(viaClient.data[0].embedding).toHaveLength(64) // the tiny model's n_embd
    expect(viaClient.usage.prompt_tokens).toBeGreaterThan(4)
    expect(viaClient.data[0].embedding).not.toEqual(viaClient.data[1].embedding)
    const floats = await client.embeddings.create({ model: 'tiny-1', input: 'hello world', encoding_format: 'float' })
    floats.data[0].embedding.forEach((v, i) => expect(v).toBeCloseTo(viaClient.data[0].embedding[i], 5))

    await expect(client.embeddings.create({ model: 'Nobody', input: 'x' })).rejects.toMatchObject({ status: 404 })
    // Never a file path: a key holder cannot make Warden open files.
    await expect(client.embeddings.create({ model: path.join(home, 'models', 'tiny-1.gguf'), input: 'x' })).rejects.toMatchObject({ status: 404 })
    await expect(client.embeddings.create({ model: 'Ada', input: ['ok', ''] })).rejects.toMatchObject({ status: 400, param: 'input[1]' })
    const long = Array.from({ length: 600 }, (_, i) => `w${i}`).join(' ')
    await expect(client.embeddings.create({ model: 'Ada', input: long })).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' })
  }, 60_000)

  it('answers CORS preflight on /v1 and serves other origins with an API key, never with the admin token', async () => {
    const { server, call } = await serve()
    const { key } = await call('apiKey.create', { name: 'webapp' })
    const origin = 'https://app.example.com'
    const preflight = await request(server.port, 'OPTIONS', '/v1/chat/completions', {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, x-stainless-os',
      'access-control-request-private-network': 'true',
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'authorization, content-type, x-stainless-os',
      'access-control-allow-private-network': 'true',
    })
    expect(preflight.headers['access-control-allow-methods']).toContain('POST')

    const body = JSON.stringify({ model: 'Ada', messages: hello, max_tokens: 4 })
    const json = { origin, 'content-type': 'application/json' }
    const withKey = await request(server.port, 'POST', '/v1/chat/completions', { ...json, authorization: `Bearer ${key}` }, body)
    expect(withKey.status).toBe(200)
    expect(withKey.headers['access-control-allow-origin']).toBe('*')
    expect(withKey.headers['access-control-expose-headers']).toContain('x-request-id')
    const withToken = await request(server.port, 'POST', '/v1/chat/completions', { ...json, authorization: `Bearer ${server.token}` }, body)
    expect(withToken.status).toBe(403)
    expect(JSON.parse(withToken.body).error.message).toContain('give the page an API key')
    expect((await request(server.port, 'POST', '/v1/chat/completions', json, body)).status).toBe(401)
    // The rest of the API stays closed to other origins.
    expect((await request(server.port, 'OPTIONS', '/api/ops', { origin, 'access-control-request-method': 'GET' })).status).toBe(403)
    expect((await request(server.port, 'GET', '/api/ops', { origin, authorization: `Bearer ${server.token}` })).status).toBe(403)
    // The same origin (Warden's own UI) and no origin (tools) still use the token.
    const own = await request(server.port, 'GET', '/v1/models', { origin: server.url.replace(/\/$/, ''), authorization: `Bearer ${server.token}` })
    expect(own.status).toBe(200)
    expect(own.headers['access-control-allow-origin']).toBeUndefined()
  }, 60_000)
})
