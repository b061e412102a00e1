import * as path from 'node:path'
import OpenAI from 'openai'
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inferenceHost } from '../../../test/inference'
import { writeTinyModel } from '../services/models/tinyGguf'
import { startServer } from './startServer'

// One server and one loaded tiny model for all these tests (its answers are greedy: temperature 0).
// A context of 4,096 tokens: the tiny model's vocabulary is bytes, and the documentation of two
// functions in the system prompt alone takes about 700 tokens.
let client: OpenAI
let base: string
let token: string
let stop: () => Promise<void>
beforeAll(async () => {
  const h = inferenceHost()
  await writeTinyModel(path.join(h.home, 'models', 'tiny-1.gguf'), { name: 'tiny-1', seed: 1000, contextLength: 4096 })
  await h.call('persona.create', { name: 'Ada', model: 'tiny-1', systemPrompt: 'You are Ada.', settings: { temperature: 0, maxTokens: 24, contextSize: 4096 } })
  const server = await startServer(h.host, { port: 0, rendererDir: null })
  client = new OpenAI({ baseURL: `${server.url}v1`, apiKey: server.token, maxRetries: 0 })
  base = server.url
  token = server.token
  stop = async () => {
    await h.host.shutdown()
    await server.close()
  }
}, 60_000)
afterAll(() => stop?.())

const ask = (content: string): ChatCompletionMessageParam[] => [{ role: 'user', content }]

async function streamed(params: Omit<OpenAI.Chat.ChatCompletionCreateParamsStreaming, 'stream'>) {
  const chunks = []
  for await (const chunk of await client.chat.completions.create({ ...params, stream: true })) chunks.push(chunk)
  const choices = chunks.flatMap((c) => c.choices)
  return {
    text: choices.map((c) => c.delta.content ?? '').join(''),
    finish: choices.at(-1)?.finish_reason,
    toolCalls: choices.flatMap((c) => c.delta.tool_calls ?? []),
    logprobs: choices.flatMap((c) => c.logprobs?.content ?? []),
    contentChunks: choices.filter((c) => c.delta.content).length,
  }
}

describe('stop sequences', () => {
  it('end the answer before the first stop sequence, streamed and not', async () => {
    const full = (await client.chat.completions.create({ model: 'Ada', messages: ask('Tell me a story'), max_tokens: 40 })).choices[0].message.content!
    expect(full.length).toBeGreaterThan(20)
    const late = full.slice(14, 17)
    const early = full.slice(6, 8)
    const until = (s: string) => full.slice(0, full.indexOf(s))

    const one = await client.chat.completions.create({ model: 'Ada', messages: ask('Tell me a story'), max_tokens: 40, stop: late })
    expect(one.choices[0].message.content).toBe(until(late))
    expect(one.choices[0].finish_reason).toBe('stop')

    // Of several, the one met first ends it.
    const two = await client.chat.completions.create({ model: 'Ada', messages: ask('Tell me a story'), max_tokens: 40, stop: [late, early] })
    expect(two.choices[0].message.content).toBe(until(early))

    const stream = await streamed({ model: 'Ada', messages: ask('Tell me a story'), max_tokens: 40, stop: [late] })
    expect(stream.text).toBe(until(late)) // no piece of the stop sequence was streamed
    expect(stream.finish).toBe('stop')

    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('hi'), stop: ['a', 'b', 'c', 'd', 'e'] })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('at most 4 stop sequences') })
  }, 60_000)
})

const weather: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', enum: ['Paris', 'Oslo', 'Lima'] }, metric: { type: 'boolean' }, days: { type: 'integer', description: 'Days ahead' } },
      required: ['city', 'metric', 'days'],
      additionalProperties: false,
    },
  },
}
const clock: ChatCompletionTool = { type: 'function', function: { name: 'get_time', description: 'The time now', parameters: { type: 'object', properties: { zone: { enum: ['UTC', 'CET'] } } } } }

describe('tools', () => {
  it('a full round trip with the official client: a required call with arguments that match the schema, then an answer that uses its result', async () => {
    const messages = ask('What is the weather in Paris?')
    const first = await client.chat.completions.create({ model: 'Ada', messages, tools: [weather, clock], tool_choice: 'required', max_tokens: 100 })
    const choice = first.choices[0]
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.content).toBeNull()
    const call = choice.message.tool_calls![0]
    expect(call).toMatchObject({ type: 'function', id: expect.stringMatching(/^call_/) })
    if (call.type !== 'function') throw new Error('a function call was expected')
    expect(['get_weather', 'get_time']).toContain(call.function.name)
    const args = JSON.parse(call.function.arguments) as Record<string, unknown>
    if (call.function.name === 'get_weather') {
      expect(Object.keys(args).sort()).toEqual(['city', 'days', 'metric'])
      expect(['Paris', 'Oslo', 'Lima']).toContain(args.city)
      expect(typeof args.metric).toBe('boolean')
      expect(Number.isInteger(args.days)).toBe(true)
    } else expect(['UTC', 'CET']).toContain(args.zone)

    // The second turn: the assistant's call and the tool's result; the model answers in text.
    const withResult = (result: string): ChatCompletionMessageParam[] => [...messages, choice.message, { role: 'tool', tool_call_id: call.id, content: result }]
    const second = await client.chat.completions.create({ model: 'Ada', messages: withResult('{"temperature": 21, "sky": "clear"}'), tools: [weather, clock] })
    expect(second.choices[0].finish_reason).toBe('length') // tiny random models never stop on their own
    expect(second.choices[0].message.content?.length).toBeGreaterThan(0)
    expect(second.choices[0].message.tool_calls).toBeUndefined()
    // The result is in what the model read: another result, another (greedy) answer.
    const other = await client.chat.completions.create({ model: 'Ada', messages: withResult('{"temperature": -30, "sky": "snow storm, stay inside"}'), tools: [weather, clock] })
    expect(other.choices[0].message.content).not.toBe(second.choices[0].message.content)
    expect(other.usage!.prompt_tokens).toBeGreaterThan(second.usage!.prompt_tokens)
  }, 60_000)

  it('a named tool_choice calls that function; a streamed call arrives as tool_calls deltas', async () => {
    const named = await client.chat.completions.create({ model: 'Ada', messages: ask('Time?'), tools: [weather, clock], tool_choice: { type: 'function', function: { name: 'get_time' } }, max_tokens: 100 })
    const call = named.choices[0].message.tool_calls![0]
    expect(call.type === 'function' && call.function.name).toBe('get_time')

    const stream = await streamed({ model: 'Ada', messages: ask('Weather?'), tools: [weather], tool_choice: 'required', max_tokens: 100 })
    expect(stream.finish).toBe('tool_calls')
    expect(stream.toolCalls).toHaveLength(1)
    expect(stream.toolCalls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather' } })
    expect(['Paris', 'Oslo', 'Lima']).toContain(JSON.parse(stream.toolCalls[0].function!.arguments!).city)

    // tool_choice "none": the tools are not offered, the model answers in text.
    const none = await client.chat.completions.create({ model: 'Ada', messages: ask('Weather?'), tools: [weather], tool_choice: 'none' })
    expect(none.choices[0].finish_reason).toBe('length')
    expect(none.choices[0].message.tool_calls).toBeUndefined()
  }, 60_000)

  it('refuses, naming the problem: a tool message nobody asked for, a call left unanswered, an unknown tool_choice, a schema keyword a grammar cannot enforce', async () => {
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }
    await expect(client.chat.completions.create({ model: 'Ada', messages: [...ask('hi'), { role: 'tool', tool_call_id: 'call_9', content: '1' }] })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('no assistant tool call with id "call_9"'),
    })
    await expect(client.chat.completions.create({ model: 'Ada', messages: [...ask('hi'), { role: 'assistant', content: null, tool_calls: [call] }, ...ask('and?')] })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('tool calls "call_1" need a tool message each'),
    })
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('hi'), tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('"nope", which is not among the tools'),
    })
    const patterned: ChatCompletionTool = { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]{3}$' } } } } }
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('hi'), tools: [patterned] })).rejects.toMatchObject({
      status: 400,
      param: 'tools[0].function.parameters',
      message: expect.stringContaining('tools[0] (lookup) parameters: properties.code.pattern: "pattern" is not supported'),
    })
    const recursive: ChatCompletionTool = {
      type: 'function',
      function: { name: 'tree', parameters: { type: 'object', properties: { root: { $ref: '#/$defs/node' } }, $defs: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } } } } } },
    }
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('hi'), tools: [recursive] })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('is recursive') })
    // Still serving.
    expect((await client.chat.completions.create({ model: 'Ada', messages: ask('hi'), max_tokens: 2 })).choices[0].message.content?.length).toBeGreaterThan(0)
  }, 60_000)
})

describe('response_format', () => {
  const schema = {
    type: 'object',
    properties: {
      ok: { type: 'boolean' },
      size: { type: 'string', enum: ['S', 'M', 'L'] },
      count: { type: 'integer' },
      tags: { type: 'array', items: { enum: ['red', 'blue'] }, maxItems: 3 },
      label: { type: 'string', maxLength: 8 },
      note: { type: ['string', 'null'], maxLength: 4 },
    },
    required: ['ok', 'size', 'count', 'tags', 'label', 'note'],
    additionalProperties: false,
  }
  const matches = (value: Record<string, unknown>) => {
    expect(Object.keys(value).sort()).toEqual(['count', 'label', 'note', 'ok', 'size', 'tags'])
    expect(typeof value.ok).toBe('boolean')
    expect(['S', 'M', 'L']).toContain(value.size)
    expect(Number.isInteger(value.count)).toBe(true)
    expect((value.tags as string[]).every((t) => t === 'red' || t === 'blue')).toBe(true)
    expect((value.tags as string[]).length).toBeLessThanOrEqual(3)
    expect((value.label as string).length).toBeLessThanOrEqual(8)
    expect(value.note === null || (value.note as string).length <= 4).toBe(true)
  }
  const format = { type: 'json_schema' as const, json_schema: { name: 'answer', schema, strict: true } }

  it('json_schema: the answer parses and matches the schema, streamed and not; cut short it says length', async () => {
    const r = await client.chat.completions.create({ model: 'Ada', messages: ask('Describe a shirt'), response_format: format, max_tokens: 300 })
    expect(r.choices[0].finish_reason).toBe('stop')
    matches(JSON.parse(r.choices[0].message.content!))

    const s = await streamed({ model: 'Ada', messages: ask('Describe a shirt'), response_format: format, max_tokens: 300 })
    expect(s.text).toBe(r.choices[0].message.content)

    const cut = await client.chat.completions.create({ model: 'Ada', messages: ask('Describe a shirt'), response_format: format, max_tokens: 3 })
    expect(cut.choices[0].finish_reason).toBe('length')
    expect(() => JSON.parse(cut.choices[0].message.content!)).toThrow()
  }, 60_000)

  it('json_object: the answer is JSON text, where plain text is not', async () => {
    const plain = await client.chat.completions.create({ model: 'Ada', messages: ask('Describe a shirt'), max_tokens: 60 })
    expect(plain.choices[0].message.content).not.toMatch(/^\s*[{[]/)
    const r = await client.chat.completions.create({ model: 'Ada', messages: ask('Describe a shirt'), response_format: { type: 'json_object' }, max_tokens: 60 })
    const text = r.choices[0].message.content!
    expect(text).toMatch(/^\s*[{[]/)
    if (r.choices[0].finish_reason === 'stop') JSON.parse(text)
    else expect(r.choices[0].finish_reason).toBe('length')
  }, 60_000)

  it('refuses a schema that cannot be turned into a grammar, or one too large, with a 400 naming the keyword', async () => {
    const bad = { type: 'json_schema' as const, json_schema: { name: 'x', schema: { type: 'object', properties: { n: { type: 'number', not: { const: 1 } } } } } }
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('hi'), response_format: bad })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('response_format.json_schema (x): properties.n.not: "not" is not supported'),
    })
    let deep: Record<string, unknown> = { type: 'string' }
    for (let i = 0; i < 40; i++) deep = { type: 'object', properties: { a: deep } }
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('hi'), response_format: { type: 'json_schema', json_schema: { name: 'deep', schema: deep } } })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('nests deeper than 16 levels'),
    })
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('hi'), tools: [weather], response_format: format })).rejects.toMatchObject({
      status: 400,
      param: 'response_format',
    })
  }, 60_000)
})

describe('logprobs', () => {
  it('gives each token its log probability and the likeliest alternatives, the same streamed and not', async () => {
    const r = await client.chat.completions.create({ model: 'Ada', messages: ask('Hello'), max_tokens: 8, logprobs: true, top_logprobs: 3 })
    const content = r.choices[0].logprobs!.content!
    expect(content).toHaveLength(8)
    expect(content.map((t) => t.token).join('')).toBe(r.choices[0].message.content)
    for (const t of content) {
      expect(t.logprob).toBeLessThanOrEqual(0)
      expect(t.bytes).toEqual([...Buffer.from(t.token)])
      expect(t.top_logprobs).toHaveLength(3)
      const tops = t.top_logprobs.map((a) => a.logprob)
      expect([...tops].sort((a, b) => b - a)).toEqual(tops)
      // Greedy: the token chosen is the likeliest one.
      expect(t.top_logprobs[0]).toMatchObject({ token: t.token, logprob: t.logprob })
    }
    expect(content.some((t) => t.logprob < -0.001)).toBe(true) // real probabilities, not a fixed 1

    const s = await streamed({ model: 'Ada', messages: ask('Hello'), max_tokens: 8, logprobs: true, top_logprobs: 3 })
    expect(s.logprobs).toEqual(content)

    // Without top_logprobs: the same log probabilities (the chosen token's, without the whole distribution), no alternatives.
    const alone = await client.chat.completions.create({ model: 'Ada', messages: ask('Hello'), max_tokens: 8, logprobs: true })
    expect(alone.choices[0].logprobs!.content).toEqual(content.map((t) => ({ ...t, top_logprobs: [] })))

    const without = await client.chat.completions.create({ model: 'Ada', messages: ask('Hello'), max_tokens: 8 })
    expect(without.choices[0].logprobs).toBeNull()
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('Hello'), top_logprobs: 2 })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('top_logprobs needs logprobs') })
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('Hello'), logprobs: true, top_logprobs: 21 })).rejects.toMatchObject({ status: 400 })
  }, 60_000)
})

/** A raw POST to /v1 (a body the official client would not send): its status and error message. */
async function post(route: string, body: string): Promise<{ status: number; message: string; param: string | null }> {
  const r = await fetch(`${base}v1/${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
  const json = (await r.json()) as { error?: { message: string; param: string | null } }
  return { status: r.status, message: json.error?.message ?? '', param: json.error?.param ?? null }
}

describe('hostile requests are refused before they cost anything', () => {
  it('a tool schema whose $refs inline to megabytes: 400 naming the tool, and the server goes on answering', async () => {
    // 41 KB of JSON: 40 KB of description used 30 × 30 times, 36 MB once inlined.
    const desc = 'x'.repeat(40_000)
    const thirty = (ref: string) => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`p${i}`, { $ref: ref }]))
    const parameters = { type: 'object', properties: thirty('#/$defs/o'), $defs: { e: { type: 'string', description: desc }, o: { type: 'object', properties: thirty('#/$defs/e') } } }
    const tools: ChatCompletionTool[] = Array.from({ length: 4 }, (_, i) => ({ type: 'function', function: { name: `f${i}`, parameters } }))
    const attack = client.chat.completions.create({ model: 'Ada', messages: ask('hi'), tools })
    const plain = client.chat.completions.create({ model: 'Ada', messages: ask('hi'), max_tokens: 4 })
    await expect(attack).rejects.toMatchObject({ status: 400, param: 'tools[0].function.parameters', message: expect.stringContaining('tools[0] (f0) parameters: $defs.e.description: the schema is more than 65,536 characters once its "$ref"s are inlined') })
    expect((await plain).choices[0].message.content).toBeTruthy()
    const format = { type: 'json_schema' as const, json_schema: { name: 'x', schema: parameters } }
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('hi'), response_format: format })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('response_format.json_schema (x): $defs.e.description: the schema is more than 65,536 characters') })

    // Under the bound each, over it all together: the tool that goes past it is named.
    const big = { type: 'object', properties: thirty('#/$defs/e'), $defs: { e: { type: 'string', description: 'y'.repeat(2000) } } }
    const many: ChatCompletionTool[] = Array.from({ length: 5 }, (_, i) => ({ type: 'function', function: { name: `g${i}`, parameters: big } }))
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('hi'), tools: many })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('tools[4] (g4): the tools\' schemas, with their "$ref"s inlined, hold more than 262,144 characters in all') })
    // One of them alone is taken, but its documentation does not fit the context of 4,096 tokens: refused
    // from the first count (a lower bound, "at least"), before the documentation is rendered in full.
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('hi'), tools: many.slice(0, 1) })).rejects.toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
      message: expect.stringMatching(/The messages take at least [\d,]+ tokens, but at most 4,094 fit/),
    })
  }, 60_000)

  it('arrays of millions of numbers in union-typed fields: a 400 naming the field, the server answering others meanwhile', async () => {
    const millions = `[${'1,'.repeat(3_000_000)}1]`
    const hi = '"messages":[{"role":"user","content":"hi"}]'
    const attacks = [
      post('embeddings', `{"model":"Ada","input":${millions}}`),
      post('completions', `{"model":"Ada","prompt":${millions}}`),
      post('chat/completions', `{"model":"Ada",${hi},"stop":${millions}}`),
      post('completions', `{"model":"Ada","prompt":"hi","stop":${millions}}`),
      post('chat/completions', `{"model":"Ada","messages":[{"role":"user","content":${millions}}]}`),
      post('chat/completions', `{"model":"Ada",${hi},"tools":${millions}}`),
      post('chat/completions', `{"model":"Ada","messages":[{"role":"assistant","content":"","tool_calls":${millions}},{"role":"user","content":"hi"}]}`),
    ]
    const models = await client.models.list()
    expect(models.data.map((m) => m.id)).toContain('Ada')
    expect(await Promise.all(attacks)).toEqual([
      { status: 400, param: 'input', message: 'input: at most 2,048 texts in one request, this one has 3,000,001' },
      { status: 400, param: 'prompt', message: 'prompt: Warden completes one prompt per request (a string, or an array of one string), this one has 3,000,001' },
      { status: 400, param: 'stop', message: 'stop: at most 4 stop sequences, this request has 3,000,001' },
      { status: 400, param: 'stop', message: 'stop: at most 4 stop sequences, this request has 3,000,001' },
      { status: 400, param: 'messages[0].content', message: 'messages[0].content: at most 10,000 content parts in all the messages of one request' },
      { status: 400, param: 'tools', message: 'tools: at most 128 tools in one request, this one has 3,000,001' },
      { status: 400, param: 'messages[0].tool_calls', message: 'messages[0].tool_calls: at most 128 tool calls in one message, this one has 3,000,001' },
    ])
    // Objects of hundreds of thousands of keys where a schema goes, likewise.
    const keys = `{${Array.from({ length: 300_000 }, (_, i) => `"${i.toString(36)}":1`).join(',')}}`
    expect(await post('chat/completions', `{"model":"Ada",${hi},"tools":[{"type":"function","function":{"name":"f","parameters":${keys}}}]}`)).toEqual({
      status: 400,
      param: 'tools[0].function.parameters',
      message: 'tools[0].function.parameters: a schema has at most 1,000 keys at its top level, this one has 300,000',
    })
    // Short arrays of the wrong kind say what is expected, not "Invalid input".
    expect(await post('embeddings', '{"model":"Ada","input":["a",[1,2]]}')).toEqual({ status: 400, param: 'input[1]', message: 'input[1]: each text is a string (arrays of token ids are not taken)' })
    expect(await post('chat/completions', `{"model":"Ada",${hi},"stop":[1]}`)).toEqual({ status: 400, param: 'stop', message: 'stop: a string or an array of up to 4 strings' })
    await expect(client.chat.completions.create({ model: 'Ada', messages: ask('hi'), stop: [1] as unknown as string[] })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('stop: a string or an array of up to 4 strings') })
  }, 60_000)
})
