import { z } from 'zod'
import { logEvents } from './logs'

/** Events pushed from the host to every client. */
export const events = {
  /** Something in the workspace changed: by an operation here, or by another process (seen on disk). */
  'modules.changed': z.object({ workspace: z.string(), source: z.enum(['operation', 'disk']), at: z.number() }),
  /** Progress of long work; `callId` is the id of the call that started it. */
  'operation.progress': z.object({
    callId: z.string(),
    operation: z.string(),
    phase: z.string(),
    message: z.string(),
    /** 0–1 where known. */
    fraction: z.number().min(0).max(1).nullable(),
  }),
  'workspace.changed': z.object({ path: z.string().nullable() }),
  /** Workers started, loaded, crashed, were paged out…; clients refetch `worker.list`. */
  'workers.changed': z.object({ at: z.number(), reason: z.string() }),
  /** Models installed, removed, or install progress. */
  'models.changed': z.object({ at: z.number() }),
  'personas.changed': z.object({ at: z.number() }),
  /** Streamed text of a generation started by the call `callId`. */
  'persona.token': z.object({ callId: z.string(), persona: z.string(), text: z.string() }),
  /** Something a person should see now (a quarantined worker); the tray shows it. */
  alert: z.object({ level: z.enum(['info', 'warning', 'error']), title: z.string(), message: z.string(), at: z.number() }),
  ...logEvents,
} as const

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.output<Events[E]>
export type AnyEvent = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName]
