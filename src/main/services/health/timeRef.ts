import { WardenError } from '../../../shared/errors'

/** Milliseconds per unit of a span back from now (`15m`, `6h`, `7d`). */
const SPAN_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const SPAN = /^(\d+(?:\.\d+)?)\s*([smhdw])$/
/** A bare number below this (1973-03-03) is far likelier a span missing its unit than a time. */
const SMALLEST_BARE_MS = 1e11
/** Spans longer than this are a typo (health history is kept days, not centuries). */
const LONGEST_SPAN_MS = 100 * 365 * 86_400_000
/** The last moment a JavaScript Date holds (year 275760): a time past it cannot be shown as a date. */
export const LAST_DATE_MS = 8.64e15
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/

const HINT = 'Use milliseconds since 1970, an ISO date (2026-12-01 or 2026-12-01T08:30:00Z), "now", or a span back from now: 15m, 1h, 6h, 7d, 30d.'

/**
 * Resolves the contract's `TimeRef` to milliseconds since 1970: a number (milliseconds), an ISO
 * date (a date without a time is midnight UTC; a time without a zone is local), "now", or a span
 * back from `now` (`s`, `m`, `h`, `d`, `w`: `15m`, `1.5h`, `7d`). `what` names the field in errors.
 */
export function parseTimeRef(ref: number | string, now: number, what = 'time'): number {
  if (typeof ref === 'number') {
    if (!Number.isFinite(ref) || ref < 0) throw invalid(`${what} ${ref} is not a time: milliseconds since 1970 are a finite number, at least 0`)
    if (ref > LAST_DATE_MS) throw invalid(`${what} ${ref} is past the last date a clock can hold (milliseconds since 1970, at most ${LAST_DATE_MS})`)
    return Math.round(ref)
  }
  const text = ref.trim()
  if (!text) throw invalid(`${what} is empty`)
  if (text.toLowerCase() === 'now') return now
  const span = SPAN.exec(text)
  if (span) {
    const ms = Number(span[1]) * SPAN_UNITS[span[2]]
    if (ms > LONGEST_SPAN_MS) throw invalid(`${what} "${text}" reaches back more than 100 years`)
    return Math.round(now - ms)
  }
  if (/^\d+$/.test(text)) {
    const ms = Number(text)
    if (ms < SMALLEST_BARE_MS) throw invalid(`${what} "${text}" has no unit: write ${text}m, ${text}h or ${text}d for a span back from now, or milliseconds since 1970`)
    if (ms > LAST_DATE_MS) throw invalid(`${what} "${text}" is past the last date a clock can hold (milliseconds since 1970, at most ${LAST_DATE_MS})`)
    return ms
  }
  if (/^\d+(\.\d+)?\s*[a-z]+$/i.test(text)) {
    throw invalid(`${what} "${text}" has an unknown unit: a span back from now ends in s, m, h, d or w (15m, 6h, 7d)`)
  }
  if (ISO_DATE.test(text)) {
    const ms = Date.parse(text)
    if (Number.isNaN(ms)) throw invalid(`${what} "${text}" is not a real date (check the month, day and time)`)
    return ms
  }
  throw invalid(`${what} "${text}" is not a time`)
}

/**
 * A history range: `since` (default an hour ago) to `until` (default now), resolved and checked.
 * `since` must be before `until`.
 */
export function parseTimeRange(since: number | string | undefined, until: number | string | undefined, now: number): { since: number; until: number } {
  const from = parseTimeRef(since ?? '1h', now, 'since')
  const to = until === undefined ? now : parseTimeRef(until, now, 'until')
  if (from >= to) {
    throw new WardenError('INVALID_INPUT', `since (${new Date(from).toISOString()}) is not before until (${new Date(to).toISOString()})`, {
      hint: 'Give a since earlier than until, e.g. since 6h and until 1h.',
    })
  }
  return { since: from, until: to }
}

function invalid(message: string): WardenError {
  return new WardenError('INVALID_INPUT', message, { hint: HINT })
}
