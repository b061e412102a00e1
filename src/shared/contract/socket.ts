import { z } from 'zod'
import { errorCodes, type Result } from '../errors'
import { events, type AnyEvent, type EventName } from './events'

/**
 * The WebSocket protocol of the headless server, written once for its three users: the server
 * (`src/main/server/socketApi.ts`), the renderer's client and the CLI's attach. Every message is one
 * JSON text frame.
 */

/** Client → server: run an operation (`id` is the call id: its result, progress and tokens carry it). */
const CallMessage = z.object({ type: z.literal('call'), id: z.string().min(1).max(200), op: z.string().min(1).max(200), input: z.unknown() })
/**
 * Client → server: which broadcast events to receive from now on (`'*'`: all, the default). Events
 * of a call (`operation.progress`, `persona.token`) go only to the connection that made the call,
 * whatever it subscribed to.
 */
const SubscribeMessage = z.object({ type: z.literal('subscribe'), events: z.union([z.literal('*'), z.array(z.string().max(100)).max(100)]) })
export const ClientMessage = z.discriminatedUnion('type', [CallMessage, SubscribeMessage])
export type ClientMessage = z.infer<typeof ClientMessage>

const SerializedErrorShape = z.object({ code: z.enum(errorCodes), message: z.string(), hint: z.string().optional(), details: z.unknown().optional() })
const ResultShape = z.union([z.object({ ok: z.literal(true), value: z.unknown() }), z.object({ ok: z.literal(false), error: SerializedErrorShape })])

/** Server → client. */
export type ServerMessage =
  | { type: 'result'; id: string; result: Result<unknown> }
  | ({ type: 'event' } & AnyEvent)
  /** A message the server could not take (not JSON, not a call…); nothing was run. */
  | { type: 'error'; message: string }

const ServerMessageShape = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.string(), result: ResultShape }),
  z.object({ type: z.literal('event'), event: z.string(), payload: z.unknown() }),
  z.object({ type: z.literal('error'), message: z.string() }),
])

/** A client's message, or why it is not one (in words, to send back). */
export function parseClientMessage(text: string): ClientMessage | { problem: string } {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { problem: 'not JSON' }
  }
  const parsed = ClientMessage.safeParse(raw)
  if (parsed.success) return parsed.data
  return { problem: 'expected {"type":"call", "id": string, "op": string, "input": {…}} or {"type":"subscribe", "events": [...] | "*"}' }
}

/**
 * The server's message, or null when it is not one Warden sends (a peer that is not Warden, a
 * newer server's message this client does not know): clients ignore those rather than crash.
 */
export function parseServerMessage(text: string): ServerMessage | null {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return null
  }
  const parsed = ServerMessageShape.safeParse(raw)
  if (!parsed.success) {
    // A result for a known call id whose body is broken still ends that call, with an error.
    const loose = raw as { type?: unknown; id?: unknown } | null
    if (loose?.type === 'result' && typeof loose.id === 'string') {
      return { type: 'result', id: loose.id, result: { ok: false, error: { code: 'INTERNAL', message: 'The running Warden sent a malformed result' } } }
    }
    return null
  }
  const msg = parsed.data
  if (msg.type === 'event') {
    const schema = (events as Record<string, z.ZodType>)[msg.event]
    if (!schema?.safeParse(msg.payload).success) return null
    return { type: 'event', event: msg.event as EventName, payload: msg.payload } as ServerMessage
  }
  return msg as ServerMessage
}

export const encodeMessage = (msg: ServerMessage | ClientMessage): string => JSON.stringify(msg)
