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
  /** Adapters added, removed or used (their usage), here or by another process on the same home; clients refetch `adapter.list`. */
  'adapters.changed': z.object({ at: z.number() }),
  /** Settings changed: by `config.set` here (`operation`) or by another process on the same home (`elsewhere`); clients refetch `config.get`. */
  'settings.changed': z.object({ keys: z.array(z.string()), source: z.enum(['operation', 'elsewhere']), at: z.number() }),
  /** Streamed text of a generation started by the call `callId`. */
  'persona.token': z.object({ callId: z.string(), persona: z.string(), text: z.string() }),
  /** Something a person should see now (a quarantined worker); the tray shows it. */
  /**
   * Health changed: new snapshots (`sources`), and the overall status with the active alerts (the
   * tray's state and menu). Clients refetch `health.summary` / their charts.
   */
  'health.changed': z.object({
    at: z.number(),
    sources: z.array(z.string()),
    status: z.enum(['normal', 'warning', 'critical', 'unknown']),
    alerts: z.array(z.object({ source: z.string(), status: z.enum(['warning', 'critical']), message: z.string(), since: z.number() })),
  }),
  alert: z.object({ level: z.enum(['info', 'warning', 'error']), title: z.string(), message: z.string(), at: z.number(), /** The page that shows more (a health alert: `health`). */ page: z.string().optional() }),
  ...logEvents,
} as const

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.output<Events[E]>
export type AnyEvent = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName]

/** Events that belong to one call: sent only to the connection (or window) that made it. */
export function callIdOf(event: AnyEvent): string | null {
  return event.event === 'operation.progress' || event.event === 'persona.token' || event.event === 'logs.entries' ? event.payload.callId : null
}
