import type { OperationInput, OperationName, OperationOutput } from '../../../shared/contract/operations'
import type { ErrorCode, WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import { newCallId } from '../lib/callId'
import { toWardenError } from '../lib/toWardenError'
import { useProgressStore } from '../stores/progressStore'
import { toastError } from '../stores/toastStore'

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: WardenError }

export interface RunOptions {
  /** Shown beside the progress bar, e.g. "Hibernating old-feature". */
  label: string
  /** Errors the caller handles itself (no toast), e.g. HAS_DEPENDENTS. */
  expected?: ErrorCode[]
}

/**
 * Call an operation the person started: shows its progress while it runs and an error toast
 * (message and hint) when it fails. Never throws.
 */
export async function runOperation<K extends OperationName>(name: K, input: OperationInput<K>, options: RunOptions): Promise<Outcome<OperationOutput<K>>> {
  const callId = newCallId()
  const progress = useProgressStore.getState()
  progress.start(callId, options.label)
  try {
    return { ok: true, value: await wardenClient().call(name, input, { callId }) }
  } catch (thrown) {
    const error = toWardenError(thrown)
    if (!options.expected?.includes(error.code)) toastError(error, `${options.label} failed`)
    return { ok: false, error }
  } finally {
    useProgressStore.getState().finish(callId)
  }
}
