import type { RawData, WebSocket } from 'ws'
import { callIdOf, type AnyEvent } from '../../shared/contract/events'
import { encodeMessage, parseClientMessage, type ServerMessage } from '../../shared/contract/socket'
import type { Result } from '../../shared/errors'
import type { WardenHost } from '../services/host/WardenHost'
import { logger } from '../services/logging/processLog'
import type { RequestLimits } from './requests'

const log = logger('server')

/** The only operation whose message may be large: a `.tgz` as base64. */
const UPLOAD_OPERATIONS = new Set(['module.wakeUpload'])

export interface SocketClient {
  /** Deliver a host event if this client wants it: its own calls' events, and the broadcasts it subscribed to. */
  deliver(event: AnyEvent): void
}

/**
 * One client of the WebSocket API: calls in, results and events out. A malformed frame, a bad
 * message or a client that stops reading ends that client's connection (or just that call), never
 * the server; a client that goes away (a CLI killed mid-chat) cancels what it was waiting for.
 */
export function serveSocket(host: WardenHost, ws: WebSocket, limits: RequestLimits): SocketClient {
  const maxInFlight = limits.socketInFlightCalls
  // Output waiting for a client that does not read: past it the connection is closed (its calls
  // cancelled), so memory stays bounded whatever a client does.
  const maxBuffered = limits.socketBufferedBytes
  const calls = new Set<string>()
  let subscribed: '*' | Set<string> = '*'

  const send = (msg: ServerMessage) => {
    if (ws.readyState !== ws.OPEN) return
    let text: string
    try {
      text = encodeMessage(msg)
    } catch (error) {
      // A value JSON cannot hold (too deep, a cycle): that message fails, never the server.
      log.error('A WebSocket message could not be encoded', { err: error })
      if (msg.type !== 'result') return
      text = encodeMessage({ type: 'result', id: msg.id, result: { ok: false, error: { code: 'INTERNAL', message: `The answer could not be encoded: ${(error as Error).message}` } } })
    }
    if (ws.bufferedAmount + text.length > maxBuffered) {
      // It stopped reading; holding more for it would grow the server without bound.
      ws.close(1008, 'too much unread output: this client stopped reading')
      ws.terminate()
      return
    }
    ws.send(text)
  }
  const reply = (id: string, result: Result<unknown>) => send({ type: 'result', id, result })

  // Invalid frames (unmasked, bad opcode, bad UTF-8, too long) surface here; ws then closes the socket.
  ws.on('error', () => ws.terminate())
  ws.on('close', () => {
    for (const id of calls) host.cancel(id)
    calls.clear()
  })
  const onMessage = async (data: RawData, isBinary: boolean) => {
    const text = isBinary ? null : data.toString()
    const msg = text === null ? { problem: 'expected a text message holding JSON' } : parseClientMessage(text)
    if ('problem' in msg) return send({ type: 'error', message: `Bad message: ${msg.problem}` })
    if (msg.type === 'subscribe') {
      subscribed = msg.events === '*' ? '*' : new Set(msg.events)
      return
    }
    if (text!.length > limits.jsonBytes && !UPLOAD_OPERATIONS.has(msg.op)) {
      return reply(msg.id, { ok: false, error: { code: 'INVALID_INPUT', message: `The message for ${msg.op} is larger than ${limits.jsonBytes} bytes` } })
    }
    if (calls.has(msg.id)) {
      return reply(msg.id, { ok: false, error: { code: 'CONFLICT', message: `A call with id ${JSON.stringify(msg.id)} is already running on this connection` } })
    }
    if (calls.size >= maxInFlight) {
      return reply(msg.id, { ok: false, error: { code: 'BUSY', message: `This connection already has ${maxInFlight} calls running`, hint: 'Wait for some to finish.' } })
    }
    calls.add(msg.id)
    const result = await host.invoke(msg.op, msg.input, msg.id).finally(() => calls.delete(msg.id))
    reply(msg.id, result)
  }
  ws.on('message', (data, isBinary) => {
    onMessage(data, isBinary).catch((error: unknown) => {
      // The last line of defence, as for HTTP: a bug ends this message, not the process.
      log.error('A WebSocket message failed', { err: error })
    })
  })
  return {
    deliver: (event) => {
      const callId = callIdOf(event)
      const wanted = callId !== null ? calls.has(callId) : subscribed === '*' || subscribed.has(event.event)
      if (wanted) send({ type: 'event', ...event })
    },
  }
}
