import { randomUUID } from 'node:crypto'
import type * as http from 'node:http'
import { z } from 'zod'
import { describeIssues } from '../../shared/contract/validate'
import { WardenError } from '../../shared/errors'
import type { WardenHost } from '../services/host/WardenHost'
import type { ContextLengthExceeded } from '../services/workers/protocol'
import { BodyTooLarge, httpStatusOf, readBody } from './requests'
import { logFailure } from '../services/logging/callLog'
import { choiceOf, conversationOf, featureFields, featuresOf, logprobsOf, messageFields, toolCallsDelta } from './openaiFeatures'

/**
 * What one chat completion request may hold, sized for local models: the largest context Warden
 * loads is 131,072 tokens, about 500,000 characters of text, so a request past these can never be
 * answered and is refused before it costs a worker anything.
 */
export const CHAT_LIMITS = {
  /** Bytes of the request body (413 beyond). */
  maxBodyBytes: 8 * 1024 * 1024,
  /** Messages in one request (400 beyond). */
  maxMessages: 1000,
  /** Characters of one message's text (400 beyond). */
  maxMessageChars: 1_000_000,
  /** Characters of all the messages' text together (400 beyond). */
  maxTotalChars: 2_000_000,
} as const

const ChatRequest = z.object({
  model: z.string().min(1, 'model (a persona name) is required'),
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
        content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() })), z.null()]).optional(),
        ...messageFields,
      }),
    )
    .min(1, 'messages must hold at least one message'),
  stream: z.boolean().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  max_tokens: z.number().int().min(1).max(8192).nullish(),
  max_completion_tokens: z.number().int().min(1).max(8192).nullish(),
  seed: z.number().int().nonnegative().nullish(),
  n: z.literal(1, 'Warden answers one choice (n = 1)').nullish(),
  ...featureFields,
})

/** OpenAI's error fields beyond the message: the parameter at fault, a machine-readable code, a status other than the code's. */
interface OpenAiErrorDetails {
  param?: string
  openAiCode?: string
  status?: number
}

const count = (n: number) => n.toLocaleString('en-US')

function textOf(content: z.infer<typeof ChatRequest>['messages'][number]['content']): string {
  if (content === null || content === undefined) return ''
  if (typeof content === 'string') return content
  return content.map((p) => p.text ?? '').join('')
}

function invalid(message: string, param: string): WardenError {
  return new WardenError('INVALID_INPUT', message, { details: { param } satisfies OpenAiErrorDetails })
}

/** Too many messages: refused before they are validated one by one. */
function checkCount(raw: unknown): void {
  const messages = (raw as { messages?: unknown } | null)?.messages
  if (Array.isArray(messages) && messages.length > CHAT_LIMITS.maxMessages) {
    throw invalid(`messages: at most ${count(CHAT_LIMITS.maxMessages)} messages in one request, this one has ${count(messages.length)}`, 'messages')
  }
}

/** The messages' texts; refused when one of them, or all together, are too long (naming the field and the limit). */
function textsWithinLimits(messages: Array<z.infer<typeof ChatRequest>['messages'][number]>): string[] {
  const texts = messages.map((m) => textOf(m.content))
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

/** The request body; past the limit a 413 with OpenAI's `request_too_large`. */
async function readChatBody(req: http.IncomingMessage): Promise<string> {
  try {
    return await readBody(req, CHAT_LIMITS.maxBodyBytes)
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error
    throw new WardenError('INVALID_INPUT', error.message, {
      hint: `Warden takes at most ${count(CHAT_LIMITS.maxMessages)} messages and ${count(CHAT_LIMITS.maxTotalChars)} characters of text in one request.`,
      details: { status: 413, openAiCode: 'request_too_large' } satisfies OpenAiErrorDetails,
    })
  }
}

function sendError(res: http.ServerResponse, error: WardenError): void {
  if (res.destroyed) return
  if (res.headersSent) {
    res.end(`data: ${JSON.stringify({ error: { message: error.message, type: error.code, code: error.code } })}\n\n`)
    return
  }
  const details = (error.details ?? {}) as OpenAiErrorDetails & Partial<ContextLengthExceeded>
  const status = details.status ?? httpStatusOf[error.code]
  const code = details.openAiCode ?? (details.contextLengthExceeded ? 'context_length_exceeded' : error.code)
  res.writeHead(status, { 'content-type': 'application/json', ...(status === 413 ? { connection: 'close' } : {}) })
  res.end(
    JSON.stringify({
      error: { message: error.hint ? `${error.message}. ${error.hint}` : error.message, type: error.code === 'INVALID_INPUT' ? 'invalid_request_error' : error.code, param: details.param ?? null, code },
    }),
  )
}

/**
 * An OpenAI-compatible API over personas: `GET /v1/models` lists them and
 * `POST /v1/chat/completions` (with `stream`) talks to the one named by `model`. The messages of the
 * request are the whole conversation (the persona's stored one is left alone); a system message
 * replaces the persona's system prompt; a conversation longer than the persona's context is refused
 * (400 `context_length_exceeded`), never cut. A client that goes away cancels its request, in the
 * queue, while its prompt is evaluated, or while it generates. Authentication (by the caller): the
 * server's token, or an API key.
 */
export async function handleOpenAi(host: WardenHost, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  try {
    if (url.pathname === '/v1/models' && req.method === 'GET') {
      const personas = host.inference.personas.list()
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ object: 'list', data: personas.map((p) => ({ id: p.name, object: 'model', created: Math.floor(p.createdAt / 1000), owned_by: 'warden', model: p.model })) }))
      return
    }
    if (url.pathname !== '/v1/chat/completions' || req.method !== 'POST') {
      throw new WardenError('NOT_FOUND', `No route ${req.method} ${url.pathname}`, { hint: 'Warden offers GET /v1/models and POST /v1/chat/completions.' })
    }
    // The client went away before we answered. `res` closes with the connection at any time (also
    // before the response starts); `req` closes as soon as its body has been read, so it cannot tell.
    const abort = new AbortController()
    res.on('close', () => {
      if (!res.writableFinished) abort.abort()
    })
    let raw: unknown
    const body = await readChatBody(req)
    try {
      raw = JSON.parse(body)
    } catch (error) {
      throw new WardenError('INVALID_INPUT', `The request body is not valid JSON: ${(error as Error).message}`)
    }
    checkCount(raw)
    const parsed = ChatRequest.safeParse(raw)
    if (!parsed.success) throw new WardenError('INVALID_INPUT', describeIssues(parsed.error))
    const r = parsed.data
    const texts = textsWithinLimits(r.messages)
    const persona = host.inference.personas.get(r.model)
    const { system, history, prompt, continueLastTurn } = conversationOf(r.messages, texts)
    const features = { ...featuresOf(r), ...(continueLastTurn ? { continueLastTurn } : {}) }
    const id = `chatcmpl-${randomUUID()}`
    const created = Math.floor(Date.now() / 1000)
    const chunk = (delta: Record<string, unknown>, finish: string | null, logprobs: unknown = null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: persona.name, choices: [{ index: 0, delta, logprobs, finish_reason: finish }] })}\n\n`
    if (r.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
      res.write(chunk({ role: 'assistant', content: '' }, null))
    }
    const result = await host.inference.generate({
      persona,
      systemPrompt: system.length ? system.join('\n\n') : undefined,
      history,
      prompt,
      features,
      settings: { temperature: r.temperature ?? undefined, topP: r.top_p ?? undefined, maxTokens: r.max_completion_tokens ?? r.max_tokens ?? undefined, seed: r.seed ?? undefined },
      overflow: 'refuse',
      priority: 'default',
      signal: abort.signal,
      onText: r.stream ? (text, logprobs) => res.write(chunk({ content: text }, null, logprobsOf(logprobs))) : undefined,
    })
    const choice = choiceOf(result)
    const finish = choice.finish_reason as string
    const usage = { prompt_tokens: result.promptTokens, completion_tokens: result.tokens, total_tokens: result.promptTokens + result.tokens }
    if (r.stream) {
      const calls = toolCallsDelta(result)
      if (calls) res.write(chunk(calls, null))
      res.write(chunk({}, finish))
      res.end('data: [DONE]\n\n')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ id, object: 'chat.completion', created, model: persona.name, choices: [choice], usage }))
  } catch (error) {
    logFailure(`${req.method} ${url.pathname}`, error)
    sendError(res, WardenError.from(error))
  }
}
