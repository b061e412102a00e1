import { randomBytes, randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'
import WebSocket from 'ws'
import type { AnyEvent } from '../../shared/contract/events'
import { parseServerMessage, encodeMessage } from '../../shared/contract/socket'
import { WardenError, type Result } from '../../shared/errors'
import { sameSecret, tokenProof } from '../server/requests'

/** Where a command runs: in a Warden that is already running for this home, or in this process. */
export interface Invoker {
  invoke(name: string, input: unknown, callId: string): Promise<Result<unknown>>
  onEvent(listener: (event: AnyEvent) => void): void
  close(): Promise<void>
  /** The running Warden's URL when attached. */
  attachedTo: string | null
}

interface Discovery {
  port: number
  token: string
  pid: number
  url: string
  version?: string
}

function readDiscovery(home: string): Discovery | null {
  try {
    const d = JSON.parse(fs.readFileSync(path.join(home, 'server.json'), 'utf8')) as Discovery
    if (!Number.isInteger(d.port) || d.port < 1 || d.port > 65535 || typeof d.token !== 'string' || !Number.isInteger(d.pid)) return null
    process.kill(d.pid, 0) // throws when that process is gone (a stale file)
    return d
  } catch {
    return null
  }
}

/**
 * The Warden (app or server, any version) serving `home` now, proven by the token of its discovery
 * file; null when none does. `warden serve` refuses to start a second one beside it.
 */
export async function runningWarden(home: string, timeoutMs = 3000): Promise<{ url: string; pid: number } | null> {
  const d = readDiscovery(home)
  if (!d || (await provesToken(d, timeoutMs)) !== 'ok') return null
  return { url: d.url, pid: d.pid }
}

/**
 * Attach to the Warden app or server running for `home` (found through its discovery file
 * `server.json`: port and token, readable by the user only), the way the `ollama` and `lms` CLIs
 * talk to their server. Resolves to null when none runs or it does not answer.
 */
export async function attach(home: string, version: string, warn: (line: string) => void, timeoutMs = 5000): Promise<Invoker | null> {
  const d = readDiscovery(home)
  if (!d) return null
  if (d.version !== version) {
    warn(`⚠️  The Warden running at ${d.url} is version ${d.version ?? 'unknown'}, this CLI is ${version}: running this command here instead.`)
    return null
  }
  const peer = await provesToken(d, timeoutMs)
  if (peer === 'refused') return null
  if (peer === 'impostor') {
    // Something else listens on that port (a reused port, or a program waiting for our token).
    warn(`⚠️  What listens on port ${d.port} is not the Warden of this home (it cannot prove it knows the token): running this command here instead.`)
    return null
  }
  const ws = peer === 'ok' ? new WebSocket(`ws://127.0.0.1:${d.port}/ws`, { headers: { authorization: `Bearer ${d.token}` }, maxPayload: 64 * 1024 * 1024 }) : null
  const opened = !ws
    ? 'silent'
    : await new Promise<'open' | 'refused' | 'silent'>((resolve) => {
        const timer = setTimeout(() => resolve('silent'), timeoutMs)
        ws.once('open', () => (clearTimeout(timer), resolve('open')))
        ws.once('error', () => (clearTimeout(timer), resolve('refused')))
      })
  if (opened === 'refused') {
    ws?.terminate()
    return null
  }
  if (opened === 'silent' || !ws) {
    ws?.terminate()
    // It runs (its process is alive) but does not answer: do not start a second scheduler beside it.
    throw new WardenError('UNAVAILABLE', `The Warden running for this home (pid ${d.pid}, ${d.url}) does not answer`, {
      hint: 'Wait for it, restart it, or run this command in its own process with --local.',
    })
  }
  const pending = new Map<string, (r: Result<unknown>) => void>()
  const listeners: Array<(e: AnyEvent) => void> = []
  ws.on('error', () => ws.terminate())
  ws.on('message', (data) => {
    // Anything that is not a message Warden sends is ignored (a result that never comes ends as "closed").
    const msg = parseServerMessage(data.toString())
    if (msg?.type === 'result') {
      pending.get(msg.id)?.(msg.result)
      pending.delete(msg.id)
    } else if (msg?.type === 'event') for (const l of listeners) l({ event: msg.event, payload: msg.payload } as AnyEvent)
  })
  ws.on('close', () => {
    for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'UNAVAILABLE', message: `The running Warden (${d.url}) closed the connection`, hint: 'It may have quit; run the command again.' } })
    pending.clear()
  })
  return {
    attachedTo: d.url,
    invoke: (name, input, callId = randomUUID()) =>
      new Promise((resolve) => {
        const gone = (): Result<unknown> => ({ ok: false, error: { code: 'UNAVAILABLE', message: `The running Warden (${d.url}) closed the connection`, hint: 'It may have quit; run the command again.' } })
        if (ws.readyState !== ws.OPEN) return resolve(gone())
        pending.set(callId, resolve)
        ws.send(encodeMessage({ type: 'call', id: callId, op: name, input }), (error) => {
          if (!error || !pending.has(callId)) return
          pending.delete(callId)
          resolve(gone())
        })
      }),
    onEvent: (listener) => void listeners.push(listener),
    close: async () => {
      ws.close()
      await new Promise((r) => setTimeout(r, 0))
    },
  }
}

/**
 * Before the token (or a prompt) leaves this process: the server must answer a fresh nonce with an
 * HMAC keyed by the token, which only the Warden that wrote the discovery file can compute.
 */
function provesToken(d: Discovery, timeoutMs: number): Promise<'ok' | 'refused' | 'impostor' | 'silent'> {
  const nonce = randomBytes(16).toString('hex')
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: d.port, path: `/api/hello?nonce=${nonce}`, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        body += c
        if (body.length > 4096) req.destroy()
      })
      res.on('end', () => {
        try {
          const proof = (JSON.parse(body) as { value?: { proof?: unknown } }).value?.proof
          resolve(typeof proof === 'string' && sameSecret(proof, tokenProof(d.token, nonce)) ? 'ok' : 'impostor')
        } catch {
          resolve('impostor')
        }
      })
      res.on('error', () => resolve('impostor'))
    })
    req.on('timeout', () => {
      req.destroy()
      resolve('silent')
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'impostor'))
  })
}
