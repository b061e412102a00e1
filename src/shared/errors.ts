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
    return fromSystemError(value) ?? new WardenError('INTERNAL', message, { cause: value })
  }
}

/**
 * File system errors caused by the path a person gave (a file where a folder is expected, a name
 * too long, a NUL byte…): what they mean in words, and a 4xx code rather than INTERNAL.
 */
const SYSTEM_ERRORS: Record<string, [ErrorCode, string]> = {
  ENOENT: ['NOT_FOUND', 'it does not exist'],
  ENOTDIR: ['INVALID_INPUT', 'a part of the path is a file, not a folder'],
  EISDIR: ['INVALID_INPUT', 'it is a folder, not a file'],
  ENAMETOOLONG: ['INVALID_INPUT', 'the path, or a name in it, is too long (255 bytes a name at most)'],
  ELOOP: ['INVALID_INPUT', 'the path goes through too many links (a loop?)'],
  EEXIST: ['CONFLICT', 'it already exists'],
  ENOTEMPTY: ['CONFLICT', 'the folder is not empty'],
  EACCES: ['INVALID_INPUT', 'permission denied'],
  EPERM: ['INVALID_INPUT', 'the operation is not permitted'],
  EROFS: ['INVALID_INPUT', 'the file system is read-only'],
  ENOSPC: ['NO_SPACE', 'the disk is full'],
  EDQUOT: ['NO_SPACE', 'the disk quota is used up'],
}

function fromSystemError(value: unknown): WardenError | null {
  if (!(value instanceof Error)) return null
  const e = value as Error & { code?: unknown; syscall?: unknown; path?: unknown; dest?: unknown }
  if (e.code === 'ERR_INVALID_ARG_VALUE' && /null bytes/.test(e.message)) {
    return new WardenError('INVALID_INPUT', 'A path contains a NUL byte', { hint: 'Paths and names cannot contain NUL (\\0) characters.', cause: value })
  }
  const known = typeof e.code === 'string' ? SYSTEM_ERRORS[e.code] : undefined
  if (!known) return null
  const [code, meaning] = known
  const where = typeof e.path === 'string' ? ` ${JSON.stringify(e.path.length > 300 ? `${e.path.slice(0, 297)}...` : e.path)}` : ''
  const verb = typeof e.syscall === 'string' ? `${e.syscall}` : 'use'
  return new WardenError(code, `Cannot ${verb}${where}: ${meaning} (${e.code})`, {
    hint: code === 'NO_SPACE' ? 'Free some disk space and try again.' : 'Check the path and try again.',
    cause: value,
  })
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
