import { operations, type OperationName } from '../../../shared/contract/operations'
import { WardenError, type ErrorCode } from '../../../shared/errors'
import { logger, processKind } from './processLog'

const log = logger('host')

/** Refusals a person caused and can read in the answer: worth a line, not a warning. */
const refusals = new Set<ErrorCode>(['INVALID_INPUT', 'NOT_FOUND', 'CONFLICT', 'HAS_DEPENDENTS', 'LOCKED', 'NO_WORKSPACE', 'BUSY', 'DOES_NOT_FIT', 'CANCELLED'])

/**
 * A finished call, in this process's log: every failure (a bug with its stack), and in the app and
 * the server what changed state. A CLI command that succeeds writes nothing: the shell's history
 * has it, and it saves the command loading the logger at all.
 */
export function logCall(name: OperationName, startedAt: number, error?: unknown): void {
  const fields = { op: name, ms: Math.round(performance.now() - startedAt) }
  if (error === undefined) {
    if (operations[name].mutates && processKind() !== 'cli') log.info(`${name} done`, fields)
    return
  }
  logFailure(name, error, fields)
}

/** A failed call or request, at the level it deserves: a refusal, a failure, or a bug (with its stack). */
export function logFailure(what: string, error: unknown, fields: Record<string, unknown> = {}): void {
  const e = WardenError.from(error)
  if (refusals.has(e.code)) log.info(`${what} refused: ${e.message}`, { ...fields, code: e.code })
  else if (e.code === 'INTERNAL') log.error(`${what} failed: ${e.message}`, { ...fields, code: e.code, err: error })
  else log.warn(`${what} failed: ${e.message}`, { ...fields, code: e.code, err: error })
}

/** An alert (a crashed or quarantined worker) is also a line in the log. */
export function logAlert(alert: { level: 'info' | 'warning' | 'error'; title: string; message: string }): void {
  const at = alert.level === 'error' ? log.error : alert.level === 'warning' ? log.warn : log.info
  at(`${alert.title}: ${alert.message}`, { alert: alert.level })
}
