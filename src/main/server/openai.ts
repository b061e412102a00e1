import { randomBytes } from 'node:crypto'
import { genomeDeps, recordGenomeUse, resolvePersonaGenome } from '../services/adapters/personaGenome'
import type * as http from 'node:http'
import { z } from 'zod'
import type { Persona } from '../../shared/contract/inference'
import { WardenError } from '../../shared/errors'
import type { GenerateCall } from '../services/inference/InferenceService'
import type { WardenHost } from '../services/host/WardenHost'
import { logFailure } from '../services/logging/callLog'
import { sendJson } from './requests'
import { answerHead, finishReasonOf } from './openai/answer'
import { completions } from './openai/completions'
import { embeddings } from './openai/embeddings'
import { EventStream } from './openai/eventStream'
import { clientError, count, invalid, parseRequest, rawArray, readJson, sendError, type OpenAiErrorDetails, type V1Context } from './openai/http'
import { BODY_HINT, CHAT_LIMITS } from './openai/limits'
import { listModels, retrieveModel } from './openai/models'
import { noticeHeaders, samplingFields, samplingOf, usageOf, type SamplingChoice } from './openai/sampling'
import { checkFeatureCounts, choiceOf, conversationOf as turnsOf, featureFields, featuresOf, logprobsOf, MAX_TOOLS, messageFields, toolCallsDelta } from './openaiFeatures'

export { CHAT_LIMITS } from './openai/limits'

/** A part of a message's content: text is read; other kinds (images, audio) are refused by name. */
const ContentPart = z.object({ type: z.string(), text: z.string().optional() })

const ChatMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
  /** `name` (a participant's name: accepted, not used), `tool_calls` and `tool_call_id`. */
  ...messageFields,
})
type ChatMessage = z.infer<typeof ChatMessage>

export const ChatRequest = z.object({
  model: z.string().min(1, 'model (a persona name) is required'),
  messages: z.array(ChatMessage).min(1, 'messages must hold at least one message'),
  ...samplingFields,
  ...featureFields,
})
export type ChatRequest = z.infer<typeof ChatRequest>

function textOf(message: ChatMessage, i: number): string {
  const content = message.content
  if (content === null || content === undefined) return ''
  if (typeof content === 'string') return content
  return content
    .map((part, j) => {
      if (part.type !== 'text') throw invalid(`messages[${i}].content[${j}]: Warden's models read text only, this part is of type ${JSON.stringify(part.type)}`, `messages[${i}].content`)
      return part.text ?? ''
    })
    .join('')
}

/**
 * Too many messages, content parts, tool calls, tools or stop texts: refused before they are
 * validated one by one (zod checks each element of an array before it refuses it, seconds of the
 * server's only thread for an array of millions).
 */
function checkCounts(raw: unknown): void {
  const messages = rawArray(raw, 'messages')
  if (messages && messages.length > CHAT_LIMITS.maxMessages) {
    throw invalid(`messages: at most ${count(CHAT_LIMITS.maxMessages)} messages in one request, this one has ${count(messages.length)}`, 'messages')
  }
  let parts = 0
  let calls = 0
  for (const [i, message] of (messages ?? []).entries()) {
    const content = rawArray(message, 'content')
    parts += content?.length ?? 0
    if (parts > CHAT_LIMITS.maxContentParts) throw invalid(`messages[${i}].content: at most ${count(CHAT_LIMITS.maxContentParts)} content parts in all the messages of one request`, `messages[${i}].content`)
    const toolCalls = rawArray(message, 'tool_calls')
    if (toolCalls && toolCalls.length > MAX_TOOLS) throw invalid(`messages[${i}].tool_calls: at most ${MAX_TOOLS} tool calls in one message, this one has ${count(toolCalls.length)}`, `messages[${i}].tool_calls`)
    calls += toolCalls?.length ?? 0
    if (calls > CHAT_LIMITS.maxToolCalls) throw invalid(`messages[${i}].tool_calls: at most ${count(CHAT_LIMITS.maxToolCalls)} tool calls in all the messages of one request`, `messages[${i}].tool_calls`)
  }
  checkFeatureCounts(raw)
}

/** The messages' texts; refused when one of them, or all together, are too long (naming the field and the limit). */
function textsWithinLimits(messages: ChatMessage[]): string[] {
  const texts = messages.map(textOf)
  let total = 0
  texts.forEach((text, i) => {
    if (text.length > CHAT_LIMITS.maxMessageChars) {
      throw invalid(`messages[${i}].content: a message holds at most ${count(CHAT_LIMITS.maxMessageChars)} characters, this one has ${count(text.length)}`, `messages[${i}].content`)
    }
    total += text.length
  })
  if (total > CHAT_LIMITS.maxTotalChars) {
    throw invalid(`messages: all messages together hold at most ${count(CHAT_LIMITS.maxTotalChars)} characters, these have ${count(total)}`, 'messages')
  }
  return texts
}

/**
 * The generation a chat request asks for: the messages as a system prompt (system and developer
 * messages), earlier turns (with tool calls and their results) and what to answer; the persona's
 * settings overridden by the request's; stop texts, tools, response format and logprobs.
 */
function generateCallOf(ctx: V1Context, r: ChatRequest, persona: Persona, sampling: SamplingChoice): GenerateCall {
  const { system, history, prompt, continueLastTurn } = turnsOf(r.messages, textsWithinLimits(r.messages))
  const features = { ...featuresOf(r), ...(continueLastTurn ? { continueLastTurn } : {}) }
  return { persona, systemPrompt: system.length ? system.join('\n\n') : undefined, history, prompt, features, settings: sampling.settings, overflow: 'refuse', priority: 'default', signal: ctx.signal }
}

async function chatCompletions(ctx: V1Context): Promise<void> {
  const raw = await readJson(ctx.req, CHAT_LIMITS.maxBodyBytes, BODY_HINT)
  checkCounts(raw)
  const r = parseRequest(ChatRequest, raw)
  const persona = ctx.host.inference.personas.get(r.model)
  const sampling = samplingOf(r, persona)
  const call = generateCallOf(ctx, r, persona, sampling)
  // The persona's genome (its LoRA adapters), as `warden persona chat` uses it.
  const genome = await resolvePersonaGenome(genomeDeps(ctx.host, ctx.signal), persona, call.prompt)
  if (genome) call.adapters = genome.adapters
  const head = answerHead(ctx.host, persona.name, 'chatcmpl')
  if (r.stream) {
    if (await streamChat(ctx, call, head, Boolean(r.stream_options?.include_usage), sampling.notices)) recordGenomeUse(ctx.host, genome)
    return
  }
  const result = await ctx.host.inference.generate(call)
  recordGenomeUse(ctx.host, genome)
  const choice = choiceOf(result)
  sendJson(
    ctx.res,
    200,
    {
      ...head,
      object: 'chat.completion',
      choices: [choice],
      usage: usageOf(result),
      ...(sampling.notices.length ? { warden: { notices: sampling.notices } } : {}),
    },
    noticeHeaders(sampling.notices),
  )
}

/** A chat answer as server-sent events: a role chunk with the first text, text chunks, the finish chunk, the usage chunk when asked for. False when it failed (told in the stream). */
async function streamChat(ctx: V1Context, call: GenerateCall, head: ReturnType<typeof answerHead>, includeUsage: boolean, notices: string[]): Promise<boolean> {
  const stream = new EventStream(ctx.res, () => noticeHeaders(notices))
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({ ...head, object: 'chat.completion.chunk', choices, ...(includeUsage ? { usage: null } : {}), ...extra })
  const delta = (d: Record<string, unknown>, finish: string | null, logprobs: unknown = null) => chunk([{ index: 0, delta: d, logprobs, finish_reason: finish }])
  let first = true
  const role = () => {
    if (first) stream.send(delta({ role: 'assistant', content: '' }, null))
    first = false
  }
  try {
    const result = await ctx.host.inference.generate({
      ...call,
      onText: (text, logprobs) => {
        role()
        stream.send(delta({ content: text }, null, logprobsOf(logprobs)))
      },
    })
    const finish = finishReasonOf(result)
    role()
    const calls = toolCallsDelta(result)
    if (calls) stream.send(delta(calls, null))
    stream.send(delta({}, finish))
    if (includeUsage) stream.send(chunk([], { usage: usageOf(result) }))
    stream.done()
    return true
  } catch (error) {
    logFailure(`${ctx.req.method} ${ctx.url.pathname}`, error)
    stream.fail(clientError(error, ctx.signal))
    return false
  }
}

type Handler = (ctx: V1Context) => Promise<void> | void

/** The routes of `/v1`: a handler, or null when the path is not one of them. */
function routeOf(method: string | undefined, pathname: string): Handler | null {
  if (method === 'GET' && pathname === '/v1/models') return listModels
  if (method === 'GET' && pathname.startsWith('/v1/models/')) return retrieveModel
  if (method === 'POST' && pathname === '/v1/chat/completions') return chatCompletions
  if (method === 'POST' && pathname === '/v1/completions') return completions
  if (method === 'POST' && pathname === '/v1/embeddings') return embeddings
  return null
}

/**
 * An OpenAI-compatible API over personas: `GET /v1/models` (and `/v1/models/{id}`) lists them,
 * `POST /v1/chat/completions` (with `stream`) talks to the one named by `model`,
 * `POST /v1/completions` completes raw text on its model and `POST /v1/embeddings` embeds texts with
 * it (or with an installed model). The messages of a chat request are the whole conversation (the
 * persona's stored one is left alone); a system message replaces the persona's system prompt; a
 * conversation longer than the persona's context is refused (400 `context_length_exceeded`), never
 * cut. A client that goes away cancels its request, in the queue, while its prompt is evaluated, or
 * while it generates. Every response carries an `x-request-id`. Authentication and CORS: by the caller.
 */
export async function handleOpenAi(host: WardenHost, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const requestId = `req_${randomBytes(12).toString('hex')}`
  res.setHeader('x-request-id', requestId)
  // The client went away before we answered. `res` closes with the connection at any time (also
  // before the response starts); `req` closes as soon as its body has been read, so it cannot tell.
  const abort = new AbortController()
  res.on('close', () => {
    if (!res.writableFinished) abort.abort()
  })
  const ctx: V1Context = { host, req, res, url, requestId, signal: abort.signal }
  try {
    const handler = routeOf(req.method, url.pathname)
    if (!handler) {
      req.resume()
      throw new WardenError('NOT_FOUND', `No route ${req.method} ${url.pathname.slice(0, 200)}`, {
        hint: 'Warden offers GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions, POST /v1/completions and POST /v1/embeddings.',
        details: { openAiCode: 'unknown_url' } satisfies OpenAiErrorDetails,
      })
    }
    await handler(ctx)
  } catch (error) {
    logFailure(`${req.method} ${url.pathname}`, error)
    sendError(res, clientError(error, abort.signal))
  }
}
