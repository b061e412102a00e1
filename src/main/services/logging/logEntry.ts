import type { LogEntry, LogLevel } from '../../../shared/contract/logs'

const levelByNumber: Record<number, LogLevel> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }

function levelOf(value: unknown): LogLevel {
  if (typeof value === 'number') return levelByNumber[Math.round(value / 10) * 10] ?? (value > 60 ? 'fatal' : 'trace')
  if (typeof value === 'string' && Object.values(levelByNumber).includes(value as LogLevel)) return value as LogLevel
  return 'info'
}

interface SerializedErr {
  type?: unknown
  message?: unknown
  stack?: unknown
  code?: unknown
  cause?: unknown
}

/** pino's serialized error (stack, code, causes) as text. */
function describeError(err: unknown, depth = 0): string | undefined {
  if (err === undefined || err === null) return undefined
  if (typeof err !== 'object') return String(err)
  const e = err as SerializedErr
  const head = typeof e.stack === 'string' && e.stack ? e.stack : `${typeof e.type === 'string' ? e.type : 'Error'}: ${String(e.message ?? '')}`
  const code = typeof e.code === 'string' && !head.includes(e.code) ? ` [${e.code}]` : ''
  const cause = depth < 5 ? describeError(e.cause, depth + 1) : undefined
  return `${head}${code}${cause ? `\nCaused by: ${cause}` : ''}`
}

/** One JSON line of a log file as an entry; null for a line that is not one (torn by a crash mid-write). */
export function parseLogLine(line: string): LogEntry | null {
  let raw: unknown
  try {
    raw = JSON.parse(line)
  } catch {
    return null // a torn or foreign line: nothing to show
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null
  const o = raw as Record<string, unknown>
  if (typeof o.time !== 'number') return null
  const { level, time, source, component, model, pid, msg, err, ...rest } = o
  delete rest.hostname // pino's default field, not Warden's
  const entry: LogEntry = { time, level: levelOf(level), source: typeof source === 'string' ? source : 'unknown', msg: typeof msg === 'string' ? msg : '' }
  if (typeof component === 'string') entry.component = component
  if (typeof model === 'string') entry.model = model
  if (typeof pid === 'number') entry.pid = pid
  const error = describeError(err)
  if (error) entry.error = error
  if (Object.keys(rest).length) entry.data = shallow(rest)
  return entry
}

/**
 * A line's other fields, kept shallow: nested values become their JSON text, cut at 2,000
 * characters. A line written by anything (a hostile or broken writer) cannot make an answer that is
 * too deep or too big to send.
 */
function shallow(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields).slice(0, 50)) {
    if (v === null || typeof v !== 'object') out[k] = typeof v === 'string' && v.length > 2000 ? `${v.slice(0, 2000)}…` : v
    else {
      let text: string
      try {
        text = JSON.stringify(v)
      } catch {
        text = '[unreadable]'
      }
      out[k] = text.length > 2000 ? `${text.slice(0, 2000)}…` : text
    }
  }
  return out
}
