import { z } from 'zod'
import { defineDomain, defineOperation } from './operation'

/** pino's level names, least to most severe. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const
export const LogLevel = z.enum(logLevels)
export type LogLevel = z.infer<typeof LogLevel>

/** One line of a Warden log ($WARDEN_HOME/logs), as the API, the CLI and the UI see it. */
export const LogEntry = z.object({
  /** Epoch ms. */
  time: z.number(),
  level: LogLevel,
  /** Who wrote it: `app`, `server`, `cli`, or `worker` (a model's worker process). */
  source: z.string(),
  /** The part of Warden that wrote it (`host`, `scheduler`, `installer`…), when it says. */
  component: z.string().optional(),
  /** The model, for a worker's lines. */
  model: z.string().optional(),
  pid: z.number().optional(),
  msg: z.string(),
  /** The error and its causes (stack traces), when the line reports one. */
  error: z.string().optional(),
  /** Other fields of the line (an operation's name, a duration, an error code…). */
  data: z.record(z.string(), z.unknown()).optional(),
})
export type LogEntry = z.infer<typeof LogEntry>

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/

/**
 * `--since`: an ISO time (`2025-01-31`, `2025-01-31T12:00`, with or without a zone) or a duration
 * before `now` (`30s`, `10m`, `2h`, `7d`, `1h30m`). Epoch ms, or null when it is neither.
 */
export function parseSince(text: string, now: number): number | null {
  const s = text.trim()
  if (DURATION.test(s)) {
    let ms = 0
    for (const [, n, unit] of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) ms += Number(n) * UNIT_MS[unit]
    return now - ms
  }
  if (!DATE_LIKE.test(s)) return null
  const t = Date.parse(s)
  return Number.isFinite(t) ? t : null
}

/** A model id as a log's file name: one plain name (logs/workers/<id>.log). */
const WorkerId = z
  .string()
  .min(1, 'a model id is required')
  .max(200, 'a model id is at most 200 characters')
  .refine((id) => !/[/\\\0]/.test(id) && id !== '.' && id !== '..', 'a model id is a plain name, without slashes')

/** Log operations: they read files, so they run wherever they are called (with or without a running app). */
export const logOperations = defineDomain({ runsIn: 'either' }, {
  'logs.read': defineOperation({
    summary: 'Warden’s logs (app, server, CLI), or one model’s worker output (--worker); --follow streams new lines until cancelled',
    input: z.object({
      /** A model id: that model's worker output (stderr, llama.cpp) and Warden's notes about its process. */
      worker: WorkerId.optional(),
      since: z
        .string()
        .max(64, 'since is at most 64 characters')
        .refine((s) => parseSince(s, 0) !== null, 'give an ISO time (2025-01-31T12:00) or a duration such as 30s, 10m, 2h, 7d')
        .optional(),
      /** The least severe level shown. */
      level: LogLevel.optional(),
      /** The most recent entries to return (with --follow: to print before the new ones). */
      limit: z.number().int().min(1, 'limit is at least 1').max(10_000, 'limit is at most 10000').default(200),
      /** Keep the call open and send new entries as `logs.entries` events until it is cancelled. */
      follow: z.boolean().default(false),
    }),
    output: z.object({
      /** Oldest first. Empty with --follow: those entries went out as events. */
      entries: z.array(LogEntry),
      /** Entries sent as `logs.entries` events (--follow). */
      streamed: z.number(),
    }),
    mutates: false,
    cli: { command: ['logs'] },
  }),
})

/** Events of the log operations; spread into the contract's `events`. */
export const logEvents = {
  /** New entries for the `logs.read --follow` call `callId`, oldest first. */
  'logs.entries': z.object({ callId: z.string(), entries: z.array(LogEntry) }),
} as const
