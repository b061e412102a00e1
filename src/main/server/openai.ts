import { randomUUID } from 'node:crypto'
import type * as http from 'node:http'
import { z } from 'zod'
import { describeIssues } from '../../shared/contract/validate'
import { WardenError } from '../../shared/errors'
import type { WardenHost } from '../services/host/WardenHost'
import type { ChatTurn } from '../services/workers/protocol'

const ChatRequest = z.object({
  model: z.string().min(1, 'model (a persona name) is required'),
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'developer', 'user', 'assistant']),
        content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() })), z.null()]),
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
})

const STATUS: Record<string, number> = { INVALID_INPUT: 400, NOT_FOUND: 404, CONFLICT: 409, BUSY: 429, DOES_NOT_FIT: 507, QUARANTINED: 503, UNAVAILABLE: 503, TIMEOUT: 504, WORKER_CRASHED: 502, CANCELLED: 499, NO_SPACE: 507, DOWNLOAD_FAILED: 502 }

function textOf(content: z.infer<typeof ChatRequest>['messages'][number]['content']): string {
  if (content === null) return ''
  if (typeof content === 'string') return content
  return content.map((p) => p.text ?? '').join('')
}

function sendError(res: http.ServerResponse, error: WardenError): void {
  if (res.headersSent) {
    res.end(`data: ${JSON.stringify({ error: { message: error.message, type: error.code, code: error.code } })}\n\n`)
    return
  }
  res.writeHead(STATUS[error.code] ?? 500, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ error: { message: error.hint ? `${error.message}. ${error.hint}` : error.message, type: error.code === 'INVALID_INPUT' ? 'invalid_request_error' : error.code, code: error.code } }))
}

/**
 * An OpenAI-compatible API over personas: `GET /v1/models` lists them and
 * `POST /v1/chat/completions` (with `stream`) talks to the one named by `model`. The messages of the
 * request are the whole conversation (the persona's stored one is left alone); a system message
 * replaces the persona's system prompt. Authentication: the server's token as the API key.
 */
export async function handleOpenAi(host: WardenHost, req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: () => Promise<string>): Promise<void> {
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
    let raw: unknown
    try {
      raw = JSON.parse(await body())
    } catch (error) {
      throw new WardenError('INVALID_INPUT', `The request body is not valid JSON: ${(error as Error).message}`)
    }
    const parsed = ChatRequest.safeParse(raw)
    if (!parsed.success) throw new WardenError('INVALID_INPUT', describeIssues(parsed.error))
    const r = parsed.data
    const persona = host.inference.personas.get(r.model)
    const system = r.messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOf(m.content))
    const turns = r.messages.filter((m) => m.role === 'user' || m.role === 'assistant')
    const last = turns[turns.length - 1]
    if (!last || last.role !== 'user') throw new WardenError('INVALID_INPUT', 'The last message must be from the user')
    const history: ChatTurn[] = turns.slice(0, -1).map((m) => ({ role: m.role as 'user' | 'assistant', text: textOf(m.content) }))
    const abort = new AbortController()
    res.on('close', () => {
      if (!res.writableFinished) abort.abort()
    })
    const id = `chatcmpl-${randomUUID()}`
    const created = Math.floor(Date.now() / 1000)
    const chunk = (delta: Record<string, string>, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: persona.name, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    if (r.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
      res.write(chunk({ role: 'assistant', content: '' }, null))
    }
    const result = await host.inference.generate({
      persona,
      systemPrompt: system.length ? system.join('\n\n') : undefined,
      history,
      prompt: textOf(last.content),
      settings: { temperature: r.temperature ?? undefined, topP: r.top_p ?? undefined, maxTokens: r.max_completion_tokens ?? r.max_tokens ?? undefined, seed: r.seed ?? undefined },
      priority: 'default',
      signal: abort.signal,
      onText: r.stream ? (text) => res.write(chunk({ content: text }, null)) : undefined,
    })
    const finish = result.finishReason === 'length' ? 'length' : 'stop'
    const usage = { prompt_tokens: 0, completion_tokens: result.tokens, total_tokens: result.tokens }
    if (r.stream) {
      res.write(chunk({}, finish))
      res.end('data: [DONE]\n\n')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ id, object: 'chat.completion', created, model: persona.name, choices: [{ index: 0, message: { role: 'assistant', content: result.text }, finish_reason: finish }], usage }))
  } catch (error) {
    sendError(res, WardenError.from(error))
  }
}
