/** Error codes every adapter understands; each maps to an HTTP status and a CLI exit code. */
export const errorCodes = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'HAS_DEPENDENTS',
  'UNSAFE_ARCHIVE',
  'CHECKSUM_MISMATCH',
  'LOCKED',
  'NO_WORKSPACE',
  'UNAVAILABLE',
  /** The queue is full; try again later. */
  'BUSY',
  /** A model cannot fit in the memory budget even after unloading every idle model. */
  'DOES_NOT_FIT',
  /** Not enough free disk space for a download. */
  'NO_SPACE',
  /** A download failed (server error, dropped connection, wrong size). */
  'DOWNLOAD_FAILED',
  /** A worker process died while serving the request. */
  'WORKER_CRASHED',
  /** A model's worker crashed repeatedly and is not restarted any more. */
  'QUARANTINED',
  'TIMEOUT',
  'CANCELLED',
  'INTERNAL',
] as const
export type ErrorCode = (typeof errorCodes)[number]

export interface SerializedError {
  code: ErrorCode
  message: string
  /** What the person can do about it, when we know. */
  hint?: string
  details?: unknown
}

/** An error meant for a person: says what went wrong and, where possible, what to do. */
export class WardenError extends Error {
  readonly code: ErrorCode
  readonly hint?: string
  readonly details?: unknown

  constructor(code: ErrorCode, message: string, options: { hint?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'WardenError'
    this.code = code
    this.hint = options.hint
    this.details = options.details
  }

  toJSON(): SerializedError {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details }
  }

  static from(value: unknown): WardenError {
    if (value instanceof WardenError) return value
    if (isSerializedError(value)) return new WardenError(value.code, value.message, { hint: value.hint, details: value.details })
    const message = value instanceof Error ? value.message : String(value)
    return new WardenError('INTERNAL', message, { cause: value })
  }
}

export function isSerializedError(value: unknown): value is SerializedError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SerializedError).message === 'string' &&
    (errorCodes as readonly string[]).includes((value as SerializedError).code)
  )
}

/** The envelope every transport carries; errors cross process boundaries as data, not as thrown objects. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: SerializedError }
