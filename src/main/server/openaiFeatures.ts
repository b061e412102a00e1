/**
 * The generation options of OpenAI's chat completions beyond plain text, translated for Warden's
 * workers: `stop`, `tools` / `tool_choice` with `tool` messages, `response_format`, `logprobs` /
 * `top_logprobs`; and the answer translated back (`tool_calls`, `logprobs`, `finish_reason`).
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { WardenError } from '../../shared/errors'
import type { GenerationResult } from '../../shared/contract/inference'
import type { ChatTurn, FunctionSpec, GenerationFeatures, TokenLogprob, ToolCallTurn } from '../services/workers/protocol'
import { SchemaError, toGrammarSchema } from './jsonSchema'
import { finishReasonOf } from './openai/answer'

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/
/** Characters of JSON of all the tools of a request. */
const MAX_TOOLS_CHARS = 256 * 1024
/** Tools of one request, and tool calls of one assistant message (OpenAI's limit for tools). */
export const MAX_TOOLS = 128
const STOP_SHAPE = 'a string or an array of up to 4 strings'

/** Fields of a message beyond role and content. */
export const messageFields = {
  tool_call_id: z.string().max(256).nullish(),
  tool_calls: z
    .array(z.object({ id: z.string().max(256), type: z.literal('function').nullish(), function: z.object({ name: z.string().max(256), arguments: z.string() }) }))
    .max(MAX_TOOLS)
    .nullish(),
  name: z.string().max(256).nullish(),
}

/** Fields of the request beyond messages and sampling. */
export const featureFields = {
  /** Bounded by checkStop before zod (which would check millions of elements); its limits checked in stopOf. */
  stop: z.union([z.string(), z.array(z.string())], { error: STOP_SHAPE }).nullish(),
  tools: z
    .array(
      z.object({
        type: z.literal('function'),
        function: z.object({
          name: z.string().regex(FUNCTION_NAME, 'a function name is 1 to 64 letters, digits, underscores or dashes'),
          description: z.string().max(8192).nullish(),
          parameters: z.record(z.string(), z.unknown()).nullish(),
          strict: z.boolean().nullish(),
        }),
      }),
    )
    .max(MAX_TOOLS, `at most ${MAX_TOOLS} tools`)
    .nullish(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })]).nullish(),
  /** Accepted; node-llama-cpp decides from the chat template whether calls come in parallel. */
  parallel_tool_calls: z.boolean().nullish(),
  response_format: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({ name: z.string().max(256), description: z.string().nullish(), schema: z.record(z.string(), z.unknown()).nullish(), strict: z.boolean().nullish() }),
      }),
    ])
    .nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
}

type Features = { [K in keyof typeof featureFields]?: z.infer<(typeof featureFields)[K]> }
type Message = { role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' } & { [K in keyof typeof messageFields]?: z.infer<(typeof messageFields)[K]> }

function invalid(message: string, param: string): WardenError {
  return new WardenError('INVALID_INPUT', message, { details: { param } })
}

function schemaOf(schema: unknown, where: string, param: string): ReturnType<typeof toGrammarSchema> {
  try {
    return toGrammarSchema(schema)
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error
    throw invalid(`${where}: ${error.path === '(root)' ? '' : `${error.path}: `}${error.message}`, param)
  }
}

/** `stop` of a raw request: a string or up to 4 strings, checked before zod (which would check every element of a huge array first). */
export function checkStop(raw: unknown): void {
  const stop = (raw as { stop?: unknown } | null)?.stop
  if (stop === null || stop === undefined || typeof stop === 'string') return
  if (!Array.isArray(stop)) throw invalid(`stop: ${STOP_SHAPE}`, 'stop')
  if (stop.length > 4) throw invalid(`stop: at most 4 stop sequences, this request has ${stop.length.toLocaleString('en-US')}`, 'stop')
  if (!stop.every((s) => typeof s === 'string')) throw invalid(`stop: ${STOP_SHAPE}`, 'stop')
}

/** Keys of a schema's top level (a schema has a few dozen keywords at most). */
const MAX_SCHEMA_KEYS = 1000

/** A schema with hundreds of thousands of keys: refused before zod checks each. */
function checkSchemaKeys(schema: unknown, param: string): void {
  if (typeof schema !== 'object' || schema === null) return
  const keys = Object.keys(schema).length
  if (keys > MAX_SCHEMA_KEYS) throw invalid(`${param}: a schema has at most ${MAX_SCHEMA_KEYS.toLocaleString('en-US')} keys at its top level, this one has ${keys.toLocaleString('en-US')}`, param)
}

/** `stop`, `tools` and the schemas of a raw chat request, bounded before zod checks them element by element. */
export function checkFeatureCounts(raw: unknown): void {
  checkStop(raw)
  const r = raw as { tools?: unknown; response_format?: { json_schema?: { schema?: unknown } } } | null
  const tools = r?.tools
  if (Array.isArray(tools) && tools.length > MAX_TOOLS) throw invalid(`tools: at most ${MAX_TOOLS} tools in one request, this one has ${tools.length.toLocaleString('en-US')}`, 'tools')
  if (Array.isArray(tools)) tools.forEach((t: { function?: { parameters?: unknown } } | null, i) => checkSchemaKeys(t?.function?.parameters, `tools[${i}].function.parameters`))
  checkSchemaKeys(r?.response_format?.json_schema?.schema, 'response_format.json_schema.schema')
}

/** The stop texts of `stop` (a string or up to 4), undefined for none; 400 naming the field past the limits. */
export function stopOf(stop: string | string[] | null | undefined): string[] | undefined {
  if (stop == null) return undefined
  const texts = typeof stop === 'string' ? [stop] : stop
  if (texts.length > 4) throw invalid(`stop: at most 4 stop sequences, this request has ${texts.length}`, 'stop')
  for (const s of texts) if (!s.length || s.length > 256) throw invalid('stop: a stop sequence holds 1 to 256 characters', 'stop')
  return texts.length ? texts : undefined
}

/** The request's options as the worker takes them; 400 naming the field for what cannot be done. */
export function featuresOf(r: Features): GenerationFeatures {
  const features: GenerationFeatures = {}
  const stop = stopOf(r.stop)
  if (stop) features.stop = stop
  if (r.top_logprobs != null && !r.logprobs) throw invalid('top_logprobs needs logprobs: true', 'top_logprobs')
  if (r.logprobs) features.logprobs = { top: r.top_logprobs ?? 0 }

  const tools = r.tools ?? []
  // Each tool's schema is bounded (jsonSchema.ts); so is their documentation, which goes into the prompt.
  const toolChars = tools.length ? JSON.stringify(tools).length : 0
  if (toolChars > MAX_TOOLS_CHARS) throw invalid(`tools: at most ${MAX_TOOLS_CHARS.toLocaleString('en-US')} characters of JSON in all, these have ${toolChars.toLocaleString('en-US')}`, 'tools')
  const choice = r.tool_choice ?? (tools.length ? 'auto' : 'none')
  if (choice !== 'none' && choice !== 'auto' && !tools.length) throw invalid('tool_choice asks for a function call, but the request offers no tools', 'tool_choice')
  const names = new Set<string>()
  for (const [i, t] of tools.entries()) {
    if (names.has(t.function.name)) throw invalid(`tools[${i}]: a second function named "${t.function.name}"`, `tools[${i}].function.name`)
    names.add(t.function.name)
  }
  if (typeof choice === 'object' && !names.has(choice.function.name)) throw invalid(`tool_choice names "${choice.function.name}", which is not among the tools`, 'tool_choice')
  if (choice !== 'none') {
    const offered = typeof choice === 'object' ? tools.filter((t) => t.function.name === choice.function.name) : tools
    // The documentation of all the functions, schemas inlined, goes into the prompt: bounded in all too.
    let documented = 0
    features.functions = offered.map((t): FunctionSpec => {
      const i = tools.indexOf(t)
      const params = t.function.parameters
      const spec: FunctionSpec = { name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}) }
      if (params) {
        if (params.type !== 'object') throw invalid(`tools[${i}] (${t.function.name}): parameters must be a schema of "type": "object"`, `tools[${i}].function.parameters`)
        spec.params = schemaOf(params, `tools[${i}] (${t.function.name}) parameters`, `tools[${i}].function.parameters`)
      }
      documented += JSON.stringify(spec).length
      if (documented > MAX_TOOLS_CHARS) {
        throw invalid(`tools[${i}] (${t.function.name}): the tools' schemas, with their "$ref"s inlined, hold more than ${MAX_TOOLS_CHARS.toLocaleString('en-US')} characters in all`, `tools[${i}].function.parameters`)
      }
      return spec
    })
    features.functionCall = choice === 'auto' ? 'auto' : 'required'
  }

  const format = r.response_format
  if (format && format.type !== 'text') {
    if (features.functions) throw invalid('response_format cannot be combined with tools the model may call; send tool_choice "none", or leave response_format out', 'response_format')
    if (format.type === 'json_object') features.grammar = { kind: 'json' }
    else {
      const schema = format.json_schema.schema
      features.grammar = schema ? { kind: 'schema', schema: schemaOf(schema, `response_format.json_schema (${format.json_schema.name})`, 'response_format.json_schema.schema') } : { kind: 'json' }
    }
  }
  return features
}

/** The conversation of the messages: system prompt, turns (with tool calls and their results), and what to answer. */
export function conversationOf(messages: Message[], texts: string[]): { system: string[]; history: ChatTurn[]; prompt: string; continueLastTurn: boolean } {
  const system: string[] = []
  const history: ChatTurn[] = []
  // Calls still waiting for their tool message, by id.
  const pending = new Map<string, ToolCallTurn>()
  const unanswered = (i: number) => {
    if (pending.size) throw invalid(`messages[${i}]: the assistant's tool calls ${[...pending.keys()].map((id) => JSON.stringify(id)).join(', ')} need a tool message each before it`, `messages[${i}]`)
  }
  messages.forEach((m, i) => {
    const text = texts[i]
    if (m.role === 'system' || m.role === 'developer') system.push(text)
    else if (m.role === 'user') {
      unanswered(i)
      history.push({ role: 'user', text })
    } else if (m.role === 'assistant') {
      unanswered(i)
      const toolCalls = (m.tool_calls ?? []).map((c, j): ToolCallTurn => {
        try {
          JSON.parse(c.function.arguments)
        } catch {
          throw invalid(`messages[${i}].tool_calls[${j}].function.arguments is not JSON`, `messages[${i}].tool_calls[${j}].function.arguments`)
        }
        const call = { name: c.function.name, arguments: c.function.arguments, result: '' }
        pending.set(c.id, call)
        return call
      })
      history.push({ role: 'assistant', text, ...(toolCalls.length ? { toolCalls } : {}) })
    } else {
      const call = m.tool_call_id ? pending.get(m.tool_call_id) : undefined
      if (!m.tool_call_id) throw invalid(`messages[${i}]: a tool message needs tool_call_id`, `messages[${i}].tool_call_id`)
      if (!call) throw invalid(`messages[${i}]: no assistant tool call with id ${JSON.stringify(m.tool_call_id)} waits for this tool message`, `messages[${i}].tool_call_id`)
      call.result = text
      pending.delete(m.tool_call_id)
    }
  })
  unanswered(messages.length - 1)
  const last = messages.at(-1)?.role
  if (last === 'tool') return { system, history, prompt: '', continueLastTurn: true }
  const turn = history.at(-1)
  if (last !== 'user' || !turn) throw invalid('The last message must be from the user (or tool messages answering the assistant’s tool calls)', 'messages')
  history.pop()
  return { system, history, prompt: turn.text, continueLastTurn: false }
}


/** OpenAI's `logprobs` of a choice (null when not asked). */
export function logprobsOf(logprobs: TokenLogprob[] | undefined): { content: unknown[]; refusal: null } | null {
  if (!logprobs) return null
  return { content: logprobs.map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes, top_logprobs: t.top.map((a) => ({ token: a.token, logprob: a.logprob, bytes: a.bytes })) })), refusal: null }
}

/** OpenAI's `tool_calls`, each with a fresh id the client sends back with its result. */
export function toolCallsOf(result: Pick<GenerationResult, 'toolCalls'>): Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> | undefined {
  if (!result.toolCalls?.length) return undefined
  return result.toolCalls.map((c) => ({ id: `call_${randomBytes(12).toString('hex')}`, type: 'function', function: { name: c.name, arguments: c.arguments } }))
}

/** The whole answer's choice (not streamed). */
export function choiceOf(result: GenerationResult): Record<string, unknown> {
  const toolCalls = toolCallsOf(result)
  return {
    index: 0,
    message: { role: 'assistant', content: toolCalls && !result.text ? null : result.text, ...(toolCalls ? { tool_calls: toolCalls } : {}), refusal: null },
    logprobs: logprobsOf(result.logprobs),
    finish_reason: finishReasonOf(result),
  }
}

/** The stream's last delta before `finish_reason`: the tool calls (null when there are none). */
export function toolCallsDelta(result: GenerationResult): Record<string, unknown> | null {
  const toolCalls = toolCallsOf(result)
  return toolCalls ? { tool_calls: toolCalls.map((c, index) => ({ index, ...c })) } : null
}
