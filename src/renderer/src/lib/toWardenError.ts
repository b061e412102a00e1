import { WardenError } from '../../../shared/errors'

/** Anything thrown, as a WardenError (message, code and hint for a person). */
export function toWardenError(error: unknown): WardenError {
  return WardenError.from(error)
}

/** The `dependents` a HAS_DEPENDENTS error carries in its details, if any. */
export function dependentsOf(error: WardenError): string[] {
  const details = error.details as { dependents?: unknown } | undefined
  return Array.isArray(details?.dependents) ? details.dependents.filter((d): d is string => typeof d === 'string') : []
}
