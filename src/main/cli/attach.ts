import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import WebSocket from 'ws'
import type { AnyEvent } from '../../shared/contract/events'
import { WardenError, type Result } from '../../shared/errors'

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
    if (typeof d.port !== 'number' || typeof d.token !== 'string' || typeof d.pid !== 'number') return null
    process.kill(d.pid, 0) // throws when that process is gone (a stale file)
    return d
  } catch {
    return null
  }
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
  const ws = new WebSocket(`ws://127.0.0.1:${d.port}/ws?token=${encodeURIComponent(d.token)}`)
  const opened = await new Promise<'open' | 'refused' | 'silent'>((resolve) => {
    const timer = setTimeout(() => resolve('silent'), timeoutMs)
    ws.once('open', () => (clearTimeout(timer), resolve('open')))
    // Nothing listening there, or someone else is (a stale file whose process id was reused).
    ws.once('error', () => (clearTimeout(timer), resolve('refused')))
  })
  if (opened === 'refused') {
    ws.terminate()
    return null
  }
  if (opened === 'silent') {
    ws.terminate()
    // It runs (its process is alive) but does not answer: do not start a second scheduler beside it.
    throw new WardenError('UNAVAILABLE', `The Warden running for this home (pid ${d.pid}, ${d.url}) does not answer`, {
      hint: 'Wait for it, restart it, or run this command in its own process with --local.',
    })
  }
  const pending = new Map<string, (r: Result<unknown>) => void>()
  const listeners: Array<(e: AnyEvent) => void> = []
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { type: string; id?: string; result?: Result<unknown> } & AnyEvent
    if (msg.type === 'result' && msg.id) {
      pending.get(msg.id)?.(msg.result!)
      pending.delete(msg.id)
    } else if (msg.type === 'event') for (const l of listeners) l({ event: msg.event, payload: msg.payload } as AnyEvent)
  })
  ws.on('close', () => {
    for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'UNAVAILABLE', message: `The running Warden (${d.url}) closed the connection`, hint: 'It may have quit; run the command again.' } })
    pending.clear()
  })
  return {
    attachedTo: d.url,
    invoke: (name, input, callId = randomUUID()) =>
      new Promise((resolve) => {
        pending.set(callId, resolve)
        ws.send(JSON.stringify({ type: 'call', id: callId, op: name, input }))
      }),
    onEvent: (listener) => void listeners.push(listener),
    close: async () => {
      ws.close()
      await new Promise((r) => setTimeout(r, 0))
    },
  }
}
