import type * as http from 'node:http'
import type { z } from 'zod'
import { describeIssues } from '../../../shared/contract/validate'
import { WardenError } from '../../../shared/errors'
import type { WardenHost } from '../../services/host/WardenHost'
import type { ContextLengthExceeded } from '../../services/workers/protocol'
import { BodyTooLarge, httpStatusOf, readBody, retryHeadersOf, sendJson } from '../requests'

/** One `/v1` request: who serves it, its id (`x-request-id`) and a signal that fires when its client goes away. */
export interface V1Context {
  host: WardenHost
  req: http.IncomingMessage
  res: http.ServerResponse
  url: URL
  requestId: string
  /** Aborted when the client disconnects before the response is complete. */
  signal: AbortSignal
}

/** OpenAI's error fields beyond the message: the parameter at fault, a machine-readable code, a status other than the code's. */
export interface OpenAiErrorDetails {
  param?: string
  openAiCode?: string
  status?: number
}

export const count = (n: number) => n.toLocaleString('en-US')

/** A 400 naming the request field at fault (OpenAI's `param`). */
export function invalid(message: string, param: string): WardenError {
  return new WardenError('INVALID_INPUT', message, { details: { param } satisfies OpenAiErrorDetails })
}

/**
 * `raw[key]` when it is an array, read before the body is checked against its schema: a union-typed
 * field holding millions of elements has zod check every one (seconds of the server's only thread)
 * before it says "Invalid input", so such arrays are bounded first.
 */
export function rawArray(raw: unknown, key: string): unknown[] | undefined {
  const value = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[key] : undefined
  return Array.isArray(value) ? value : undefined
}

/** A request body checked against a schema: 400 naming the field otherwise. */
export function parseRequest<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    const param = parsed.error.issues[0]?.path.join('.')
    throw new WardenError('INVALID_INPUT', describeIssues(parsed.error), { details: (param ? { param } : {}) satisfies OpenAiErrorDetails })
  }
  return parsed.data
}

/** The JSON body of a request, at most `limit` bytes (413 `request_too_large` beyond, with `hint`). */
export async function readJson(req: http.IncomingMessage, limit: number, hint: string): Promise<unknown> {
  let body: string
  try {
    body = await readBody(req, limit)
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error
    throw new WardenError('INVALID_INPUT', error.message, { hint, details: { status: 413, openAiCode: 'request_too_large' } satisfies OpenAiErrorDetails })
  }
  try {
    return JSON.parse(body)
  } catch (error) {
    throw new WardenError('INVALID_INPUT', `The request body is not valid JSON: ${(error as Error).message}`)
  }
}

/**
 * An error as the client should see it. A request cancelled while its client is still there was
 * stopped by Warden (a shutdown, a worker stopped by hand): that is Warden's failure, not the
 * client's (499 would say the client left), so it is a 503 the client may retry.
 */
export function clientError(error: unknown, signal: AbortSignal): WardenError {
  const e = WardenError.from(error)
  if (e.code === 'CANCELLED' && !signal.aborted) return new WardenError('UNAVAILABLE', `${e.message}: Warden stopped the request before it was answered`, { hint: 'Send the request again.', details: e.details })
  return e
}

/** OpenAI's `type` for an error: what its SDKs and docs call each kind. */
function typeOf(error: WardenError, status: number): string {
  if (status === 400 || status === 404 || status === 413) return 'invalid_request_error'
  if (status === 401) return 'authentication_error'
  if (status === 429 || status === 503) return 'server_overloaded'
  return 'server_error'
}

/** The status and `{error: {message, type, param, code}}` body of an error in OpenAI's format. */
export function openAiError(error: WardenError): { status: number; body: { error: { message: string; type: string; param: string | null; code: string } } } {
  const details = (error.details ?? {}) as OpenAiErrorDetails & Partial<ContextLengthExceeded>
  const status = details.status ?? httpStatusOf[error.code]
  const code = details.openAiCode ?? (details.contextLengthExceeded ? 'context_length_exceeded' : error.code === 'NOT_FOUND' ? 'model_not_found' : error.code)
  const message = error.hint ? `${error.message}. ${error.hint}` : error.message
  return { status, body: { error: { message, type: typeOf(error, status), param: details.param ?? null, code } } }
}

/** Answer with an error (status, OpenAI body, retry headers); a response already started is cut instead. */
export function sendError(res: http.ServerResponse, error: WardenError): void {
  if (res.destroyed) return
  if (res.headersSent) return void res.end()
  const { status, body } = openAiError(error)
  sendJson(res, status, body, { ...retryHeadersOf(error.code), ...(status === 413 ? { connection: 'close' } : {}) })
}
