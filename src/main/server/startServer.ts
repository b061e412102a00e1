import { randomBytes, timingSafeEqual } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { operationNames } from '../../shared/contract/operations'
import type { ErrorCode, Result } from '../../shared/errors'
import type { WardenHost } from '../services/host/WardenHost'
import { handleOpenAi } from './openai'
import { CONTENT_SECURITY_POLICY, findRendererDir, resolveStatic } from './staticFiles'

export interface ServerOptions {
  port: number
  /** Defaults to a random 32-byte token. */
  token?: string
  /** The built renderer; found beside the bundle by default. */
  rendererDir?: string | null
  /** Largest request body accepted. Defaults to 420 MB (uploads of .tgz files as base64). */
  maxBodyBytes?: number
}

export interface RunningServer {
  url: string
  urlWithToken: string
  port: number
  token: string
  close(): Promise<void>
}

const STATUS: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  HAS_DEPENDENTS: 409,
  UNSAFE_ARCHIVE: 422,
  CHECKSUM_MISMATCH: 422,
  LOCKED: 423,
  NO_WORKSPACE: 409,
  UNAVAILABLE: 503,
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

/** Messages on the socket: calls from the client, results and events from us. */
type ClientMessage = { type: 'call'; id: string; op: string; input: unknown }

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function tokenOf(req: http.IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7)
  return url.searchParams.get('token')
}

/** Only loopback host names: a page on another site that rebinds its DNS to 127.0.0.1 is refused. */
function hostAllowed(req: http.IncomingMessage): boolean {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '')
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]'
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
  res.end(text)
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) {
        reject(Object.assign(new Error(`request body is larger than ${limit} bytes`), { status: 413 }))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/**
 * The headless adapter of the contract: `POST /api/op/<name>` and a WebSocket (`/ws`) carrying calls
 * and pushed events, both behind a random token, on 127.0.0.1 only; plus the built renderer.
 * Writes `$WARDEN_HOME/server.json` (port and token, user-only) so other local tools can find it.
 */
export async function startServer(host: WardenHost, options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(32).toString('hex')
  const rendererDir = options.rendererDir === undefined ? findRendererDir() : options.rendererDir
  const maxBody = options.maxBodyBytes ?? 420 * 1024 * 1024

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (!hostAllowed(req)) return sendJson(res, 403, { ok: false, error: { code: 'INVALID_INPUT', message: 'Warden only answers on 127.0.0.1 / localhost' } })
    if (url.pathname === '/api/health') return sendJson(res, 200, { ok: true, value: { status: 'ok' } })
    if (url.pathname.startsWith('/v1/')) {
      // An API key (`warden api-key create`) reaches /v1 and nothing else; the token reaches everything.
      if (!sameToken(tokenOf(req, url), token) && !host.apiKeys.verify(tokenOf(req, url))) {
        res.writeHead(401, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ error: { message: 'Missing, wrong or revoked API key: create one with `warden api-key create --name NAME` (Authorization: Bearer <key>)', type: 'invalid_request_error', code: 'invalid_api_key' } }))
      }
      return handleOpenAi(host, req, res, url)
    }
    if (url.pathname.startsWith('/api/')) {
      if (!sameToken(tokenOf(req, url), token)) {
        return sendJson(res, 401, { ok: false, error: { code: 'INVALID_INPUT', message: 'Missing or wrong token', hint: 'Use the URL that `warden serve` printed, or send Authorization: Bearer <token>.' } })
      }
      if (url.pathname === '/api/ops' && req.method === 'GET') return sendJson(res, 200, { ok: true, value: operationNames })
      const match = /^\/api\/op\/([\w.]+)$/.exec(url.pathname)
      if (!match || req.method !== 'POST') return sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: `No route ${req.method} ${url.pathname}`, hint: 'POST /api/op/<operation> with a JSON body.' } })
      let input: unknown = {}
      try {
        const body = await readBody(req, maxBody)
        input = body.trim() ? JSON.parse(body) : {}
      } catch (error) {
        const status = (error as { status?: number }).status ?? 400
        return sendJson(res, status, { ok: false, error: { code: 'INVALID_INPUT', message: `The request body is not valid JSON: ${(error as Error).message}` } })
      }
      const result = await host.invoke(match[1], input, req.headers['x-call-id']?.toString())
      return sendJson(res, result.ok ? 200 : STATUS[result.error.code], result)
    }
    if (!rendererDir) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
      return res.end('The Warden UI is not built. Run `npm run build`, then reload.')
    }
    const found = resolveStatic(rendererDir, url.pathname)
    if (!found) {
      res.writeHead(404)
      return res.end()
    }
    res.writeHead(200, {
      'content-type': found.type,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cache-control': found.type.startsWith('text/html') ? 'no-store' : 'public, max-age=3600',
    })
    fs.createReadStream(found.file).pipe(res)
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBody })
  const sockets = new Set<WebSocket>()
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const origin = req.headers.origin
    const originOk = !origin || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(origin)
    if (url.pathname !== '/ws' || !hostAllowed(req) || !originOk || !sameToken(tokenOf(req, url), token)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })
  const unsubscribe = host.onEvent((event) => {
    const text = JSON.stringify({ type: 'event', ...event })
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text)
  })
  wss.on('connection', (ws) => {
    sockets.add(ws)
    // A client that goes away (a CLI killed mid-chat) cancels what it was waiting for.
    const calls = new Set<string>()
    ws.on('close', () => {
      sockets.delete(ws)
      for (const id of calls) host.cancel(id)
    })
    ws.on('message', async (data) => {
      let msg: ClientMessage
      try {
        msg = JSON.parse(data.toString()) as ClientMessage
        if (msg?.type !== 'call' || typeof msg.id !== 'string' || typeof msg.op !== 'string') throw new Error('expected {type:"call", id, op, input}')
      } catch (error) {
        ws.send(JSON.stringify({ type: 'error', message: `Bad message: ${(error as Error).message}` }))
        return
      }
      calls.add(msg.id)
      const result: Result<unknown> = await host.invoke(msg.op, msg.input, msg.id).finally(() => calls.delete(msg.id))
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'result', id: msg.id, result }))
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}/`
  const discovery = path.join(host.home, 'server.json')
  fs.writeFileSync(discovery, JSON.stringify({ port, token, pid: process.pid, url, version: host.info().version }), { mode: 0o600 })
  return {
    url,
    urlWithToken: `${url}?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe()
      try {
        const current = JSON.parse(fs.readFileSync(discovery, 'utf8')) as { pid: number }
        if (current.pid === process.pid) fs.rmSync(discovery, { force: true })
      } catch {
        // already gone
      }
      for (const ws of sockets) ws.terminate()
      wss.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
    },
  }
}
