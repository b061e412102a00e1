import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import * as path from 'node:path'
import { WebSocketServer } from 'ws'
import { operationNames } from '../../shared/contract/operations'
import { WardenError } from '../../shared/errors'
import { atomicWriteFile } from '../services/fs/atomic'
import type { WardenMetrics } from '../services/health/WardenMetrics'
import type { WardenHost } from '../services/host/WardenHost'
import { handleSelfHealing } from './selfHealing'
import { routeGroupOf, serveMetrics, serverMetrics } from './metrics'
import { handleOpenAi } from './openai'
import { answerPreflight, corsHeaders } from './openai/cors'
import {
  BodyTooLarge,
  bearerOf,
  defaultLimits,
  hostAllowed,
  httpStatusOf,
  isJsonContentType,
  originAllowed,
  parseRequestUrl,
  readBody,
  retryHeadersOf,
  sameSecret,
  sendJson,
  tokenProof,
  type RequestLimits,
} from './requests'
import { serveSocket, type SocketClient } from './socketApi'
import { CONTENT_SECURITY_POLICY, findRendererDir, resolveStatic } from './staticFiles'
import { logger } from '../services/logging/processLog'

const log = logger('server')

export interface ServerOptions {
  port: number
  /** Defaults to a random 32-byte token. */
  token?: string
  /** The built renderer; found beside the bundle by default. */
  rendererDir?: string | null
  /** Request size limits. Defaults to `defaultLimits` (1 MiB of JSON, 160 MiB uploads, 32 MiB unread per socket). */
  limits?: Partial<RequestLimits>
  /** What `GET /metrics` exposes and where request latencies go. Defaults to metrics reading `host` (`serverMetrics`). */
  metrics?: WardenMetrics
}

export interface RunningServer {
  url: string
  urlWithToken: string
  port: number
  token: string
  metrics: WardenMetrics
  close(): Promise<void>
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> | void

const apiError = (res: http.ServerResponse, status: number, code: keyof typeof httpStatusOf, message: string, hint?: string) =>
  sendJson(res, status, { ok: false, error: { code, message, hint } })

/**
 * The headless adapter of the contract: `POST /api/op/<name>` and a WebSocket (`/ws`) carrying calls
 * and pushed events, both behind a random token, on 127.0.0.1 only; the OpenAI-compatible `/v1`; and
 * the built renderer. Every request ends in a response or a closed connection, never in a dead
 * server (see docs/threat-model.md). Writes `$WARDEN_HOME/server.json` (port and token, user-only)
 * so the CLI can find it.
 */
export async function startServer(host: WardenHost, options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(32).toString('hex')
  const rendererDir = options.rendererDir === undefined ? findRendererDir() : options.rendererDir
  const limits: RequestLimits = { ...defaultLimits, ...options.limits }
  let port = 0
  const ownMetrics = options.metrics ? null : serverMetrics(host)
  const metrics = options.metrics ?? ownMetrics!.metrics

  /** Same-origin (or no Origin), and the admin token in the Authorization header or, for the UI's socket, the query. */
  const authorized = (req: http.IncomingMessage, url: URL, allowQueryToken: boolean) =>
    sameSecret(bearerOf(req) ?? (allowQueryToken ? url.searchParams.get('token') : null), token)

  const api: Route = async (req, res, url) => {
    if (!originAllowed(req, port)) return apiError(res, 403, 'INVALID_INPUT', 'Requests from other web pages are refused', 'The API answers only its own UI, the CLI and tools that send no Origin.')
    if (!authorized(req, url, false)) {
      return apiError(res, 401, 'INVALID_INPUT', 'Missing or wrong token', 'Send Authorization: Bearer <token>, with the token that `warden serve` printed.')
    }
    if (url.pathname === '/api/ops' && req.method === 'GET') return sendJson(res, 200, { ok: true, value: operationNames })
    if (url.pathname.startsWith('/api/self-healing/')) return handleSelfHealing(host, req, res, url, limits.jsonBytes)
    const match = /^\/api\/op\/([\w.]+)$/.exec(url.pathname)
    if (!match || req.method !== 'POST') {
      return apiError(res, 404, 'NOT_FOUND', `No route ${req.method} ${url.pathname.slice(0, 200)}`, 'POST /api/op/<operation> with a JSON body.')
    }
    if (!isJsonContentType(req)) {
      req.resume()
      return apiError(res, 415, 'INVALID_INPUT', 'The request body must be JSON (Content-Type: application/json)')
    }
    const op = match[1]
    let input: unknown = {}
    try {
      const body = await readBody(req, op === 'module.wakeUpload' ? limits.uploadBytes : limits.jsonBytes)
      input = body.trim() ? JSON.parse(body) : {}
    } catch (error) {
      if (error instanceof BodyTooLarge) return apiError(res, 413, 'INVALID_INPUT', error.message, `Calls take at most ${limits.jsonBytes} bytes of JSON; uploads at most ${limits.uploadBytes}.`)
      return apiError(res, 400, 'INVALID_INPUT', `The request body is not valid JSON: ${(error as Error).message}`)
    }
    const callId = req.headers['x-call-id']?.toString().slice(0, 200)
    // A client that goes away cancels its call (a download, a generation).
    const id = callId || randomBytes(8).toString('hex')
    res.on('close', () => {
      if (!res.writableFinished) host.cancel(id)
    })
    const result = await host.invoke(op, input, id)
    return result.ok ? sendJson(res, 200, result) : sendJson(res, httpStatusOf[result.error.code], result, retryHeadersOf(result.error.code))
  }

  const routes: Array<[test: (pathname: string) => boolean, route: Route]> = [
    [(p) => p === '/api/health', (_req, res) => sendJson(res, 200, { ok: true, value: { status: 'ok' } })],
    [
      (p) => p === '/api/hello',
      (_req, res, url) => {
        // Lets the CLI check that this server knows the token before it sends it (or a prompt).
        const nonce = url.searchParams.get('nonce') ?? ''
        if (!/^[0-9a-f]{32,128}$/.test(nonce)) return apiError(res, 400, 'INVALID_INPUT', 'nonce: 32 to 128 hex digits')
        sendJson(res, 200, { ok: true, value: { app: 'warden', pid: process.pid, proof: tokenProof(token, nonce) } })
      },
    ],
    [
      (p) => p === '/v1' || p.startsWith('/v1/'),
      (req, res, url) => {
        // Other web pages may call /v1 with an API key (CORS, as OpenAI's API allows), never with the
        // admin token, which reaches every operation (docs/threat-model.md).
        const crossOrigin = !originAllowed(req, port)
        if (crossOrigin) for (const [name, value] of Object.entries(corsHeaders())) res.setHeader(name, value)
        if (req.method === 'OPTIONS') return answerPreflight(req, res)
        // An API key (`warden api-key create`) reaches /v1 and /metrics, nothing else; the token reaches everything.
        const key = bearerOf(req)
        const admin = sameSecret(key, token)
        if (admin && crossOrigin) {
          req.resume()
          return sendJson(res, 403, {
            error: { message: "Warden's server token is not accepted from other web pages: give the page an API key of its own (`warden api-key create --name NAME`)", type: 'invalid_request_error', param: null, code: 'token_not_allowed_from_pages' },
          })
        }
        if (!admin && !host.apiKeys.verify(key)) {
          req.resume()
          return sendJson(res, 401, {
            error: { message: 'Missing, wrong or revoked API key: send Authorization: Bearer <key>, with a key from `warden api-key create --name NAME`', type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
          })
        }
        return handleOpenAi(host, req, res, url)
      },
    ],
    [
      (p) => p === '/metrics',
      // For Prometheus: the token or an API key, never from another web page (docs/threat-model.md).
      (req, res) => serveMetrics(req, res, metrics, { sameOrigin: originAllowed(req, port), accepts: (key) => sameSecret(key, token) || host.apiKeys.verify(key) }),
    ],
    [(p) => p === '/api' || p.startsWith('/api/'), api],
  ]

  const serveStatic: Route = (_req, res, url) => {
    if (!rendererDir) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
      return void res.end('The Warden UI is not built. Run `npm run build`, then reload.')
    }
    const found = resolveStatic(rendererDir, url.pathname)
    if (!found) {
      res.writeHead(404)
      return void res.end()
    }
    res.writeHead(200, {
      'content-type': found.type,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': found.type.startsWith('text/html') ? 'no-store' : 'public, max-age=3600',
    })
    fs.createReadStream(found.file)
      .on('error', () => res.destroy())
      .pipe(res)
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = parseRequestUrl(req.url)
    if (!url) return apiError(res, 400, 'INVALID_INPUT', 'The request target must be a path such as /api/health')
    if (!hostAllowed(req)) return apiError(res, 403, 'INVALID_INPUT', 'Warden only answers on 127.0.0.1 / localhost')
    const route = routes.find(([test]) => test(url.pathname))?.[1] ?? serveStatic
    await route(req, res, url)
  }

  const server = http.createServer({ maxHeaderSize: 32 * 1024, requestTimeout: 10 * 60_000 }, (req, res) => {
    const started = process.hrtime.bigint()
    res.once('close', () => metrics.observeRequest(routeGroupOf(req.url), res.statusCode, Number(process.hrtime.bigint() - started) / 1e9))
    handle(req, res).catch((error: unknown) => {
      // The last line of defence: a bug answers 500 for that request; the server stays up.
      log.error(`${req.method} ${req.url?.slice(0, 200)} failed`, { err: error })
      const e = WardenError.from(error)
      if (!res.headersSent) apiError(res, 500, 'INTERNAL', e.message)
      else res.destroy()
    })
  })
  // Malformed request lines and headers: answer 400 and close (never an unhandled error).
  server.on('clientError', (_error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    socket.destroy()
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.uploadBytes })
  const clients = new Set<SocketClient>()
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    try {
      const url = parseRequestUrl(req.url)
      if (!url || url.pathname !== '/ws' || !hostAllowed(req) || !originAllowed(req, port) || !authorized(req, url, true)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
        socket.destroy()
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const client = serveSocket(host, ws, limits)
        clients.add(client)
        ws.on('close', () => clients.delete(client))
      })
    } catch (error) {
      log.warn('A WebSocket upgrade failed; its connection was closed', { err: error })
      socket.destroy()
    }
  })
  const unsubscribe = host.onEvent((event) => {
    for (const client of clients) client.deliver(event)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}/`
  const discovery = path.join(host.home, 'server.json')
  // A fresh user-only file renamed into place: never an older file's mode, never through a link.
  await atomicWriteFile(discovery, JSON.stringify({ port, token, pid: process.pid, url, version: host.info().version }), { mode: 0o600, durable: false })
  return {
    url,
    urlWithToken: `${url}?token=${token}`,
    port,
    token,
    metrics,
    close: async () => {
      unsubscribe()
      ownMetrics?.dispose()
      try {
        const current = JSON.parse(fs.readFileSync(discovery, 'utf8')) as { pid: number }
        if (current.pid === process.pid) fs.rmSync(discovery, { force: true })
      } catch {
        // already gone
      }
      for (const ws of wss.clients) ws.terminate()
      wss.close()
      // Stop listening, then cut every connection at once: a response still streaming (a chat, a
      // followed log) closes, which cancels its call, instead of holding the shutdown forever.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    },
  }
}
