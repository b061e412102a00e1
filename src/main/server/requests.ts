import { createHmac, timingSafeEqual } from 'node:crypto'
import type * as http from 'node:http'
import { WardenError, type ErrorCode } from '../../shared/errors'

/** How large a request may be. JSON calls are small; only uploads of `.tgz` files (base64) are big. */
export interface RequestLimits {
  /** Largest JSON body or WebSocket message of an ordinary call. Defaults to 1 MiB. */
  jsonBytes: number
  /** Largest body of an upload (`module.wakeUpload`, the archive as base64). Defaults to 160 MiB (a 120 MB archive). */
  uploadBytes: number
  /** Output a WebSocket client may leave unread before its connection is closed. Defaults to 32 MiB. */
  socketBufferedBytes: number
  /** Calls one WebSocket connection may have running at once; more are answered BUSY. Defaults to 32. */
  socketInFlightCalls: number
}

export const defaultLimits: RequestLimits = { jsonBytes: 1024 * 1024, uploadBytes: 160 * 1024 * 1024, socketBufferedBytes: 32 * 1024 * 1024, socketInFlightCalls: 32 }

/** The one map from error codes to HTTP statuses, for `/api` and `/v1` alike. */
export const httpStatusOf: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  HAS_DEPENDENTS: 409,
  UNSAFE_ARCHIVE: 422,
  CHECKSUM_MISMATCH: 422,
  LOCKED: 423,
  NO_WORKSPACE: 409,
  UNAVAILABLE: 503,
  /** The queue is full: the server is overloaded, as Ollama and OpenAI say with 503 (429 would blame this client's rate, which Warden does not limit). */
  BUSY: 503,
  DOES_NOT_FIT: 507,
  NO_SPACE: 507,
  DOWNLOAD_FAILED: 502,
  WORKER_CRASHED: 502,
  QUARANTINED: 503,
  TIMEOUT: 504,
  CANCELLED: 499,
  INTERNAL: 500,
}

/**
 * Seconds a client should wait before sending the request again (`Retry-After`), for the errors a
 * retry can cure: a full queue, a queue wait that ran out, a worker being restarted after a crash,
 * a model not loaded yet. Those without an entry are not worth retrying as they are (or are 4xx).
 */
export const retryAfterOf: Partial<Record<ErrorCode, number>> = { BUSY: 2, TIMEOUT: 2, WORKER_CRASHED: 2, UNAVAILABLE: 5 }

/**
 * Headers that tell a client whether to retry: `Retry-After` where a retry can cure the error, and
 * `x-should-retry: false` (read by OpenAI's SDKs, which otherwise retry every 5xx) where it cannot:
 * a model that does not fit, a quarantined model, a full disk.
 */
export function retryHeadersOf(code: ErrorCode): Record<string, string> {
  const seconds = retryAfterOf[code]
  if (seconds !== undefined) return { 'retry-after': String(seconds) }
  if (code === 'DOES_NOT_FIT' || code === 'QUARANTINED' || code === 'NO_SPACE' || code === 'INTERNAL') return { 'x-should-retry': 'false' }
  return {}
}

/**
 * The request's path and query, or null when the request line holds something that is not an
 * origin-form path (`//`, `http://…`, `*`): those are answered 400, never parsed further.
 */
export function parseRequestUrl(raw: string | undefined): URL | null {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//')) return null
  try {
    return new URL(`http://127.0.0.1${raw}`)
  } catch {
    return null
  }
}

/** Compares in constant time; an absent or differently sized value is simply wrong. */
export function sameSecret(given: string | null | undefined, secret: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(secret)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The proof that a server knows the token, for a client that has not sent it yet (`GET /api/hello?nonce=`). */
export function tokenProof(token: string, nonce: string): string {
  return createHmac('sha256', token).update(`warden-hello:${nonce}`).digest('hex')
}

/** `Authorization: Bearer <token>` (the scheme in any case, as RFC 7235 says). */
export function bearerOf(req: http.IncomingMessage): string | null {
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '')
  return match ? match[1] : null
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** Only loopback host names: a page on another site that rebinds its DNS to 127.0.0.1 is refused. */
export function hostAllowed(req: http.IncomingMessage): boolean {
  const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '')
  return LOOPBACK_HOSTS.has(host)
}

/**
 * No `Origin` (a CLI, curl, an SDK) or this very server's origin (its UI in a browser). Any other
 * page, even one served from another port of this machine, is refused.
 */
export function originAllowed(req: http.IncomingMessage, port: number): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  const match = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/i.exec(origin)
  return Boolean(match && Number(match[2]) === port)
}

/** `application/json`, with or without a charset. */
export function isJsonContentType(req: http.IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  return type === 'application/json'
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  })
  res.end(text)
}

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit.toLocaleString('en-US')} bytes`)
  }
}

/**
 * Reads a body of at most `limit` bytes. A larger one (by its Content-Length, or as it arrives) is
 * refused with BodyTooLarge; the rest of it is drained and dropped so the client can read the 413.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    drainAndDrop(req)
    return Promise.reject(new BodyTooLarge(limit))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (c: Buffer) => {
      size += c.length
      if (size > limit) {
        req.off('data', onData)
        chunks.length = 0
        drainAndDrop(req)
        reject(new BodyTooLarge(limit))
        return
      }
      chunks.push(c)
    }
    req.on('data', onData)
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
    // Closed before the end: the client went away while sending (a no-op once resolved).
    req.on('close', () => reject(new WardenError('CANCELLED', 'The client closed the connection while sending its request')))
  })
}

/** Keep reading (and dropping) what a client still sends for a while, then cut the connection. */
function drainAndDrop(req: http.IncomingMessage): void {
  req.resume()
  const timer = setTimeout(() => req.destroy(), 2000)
  timer.unref()
  req.once('end', () => clearTimeout(timer))
}
