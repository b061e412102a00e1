import { randomUUID } from 'node:crypto'
import type { GenerationResult } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import type { WardenHost } from '../../services/host/WardenHost'

/** The fields every answer and chunk of one response repeats. */
export function answerHead(host: WardenHost, model: string, idPrefix: 'chatcmpl' | 'cmpl') {
  return { id: `${idPrefix}-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model, system_fingerprint: `fp_warden_${host.info().version}` }
}

/**
 * OpenAI's `finish_reason` of a generation: `length` when it stopped at `max_tokens` (or the end of
 * the context), `stop` when the model ended it, `tool_calls` when it called the caller's functions. A generation Warden cut short (shutdown, a worker
 * stopped, a timeout) is not an answer: it is an error (mid-stream, an error event), never a
 * `stop` that would pass a cut answer off as whole. (A cut by the client itself is never seen.)
 */
export function finishReasonOf(result: Pick<GenerationResult, 'finishReason' | 'tokens'>): 'stop' | 'length' | 'tool_calls' {
  if (result.finishReason === 'cancelled') {
    throw new WardenError('UNAVAILABLE', `Warden stopped the answer after ${result.tokens} tokens, before it was complete`, { hint: 'Send the request again.' })
  }
  return result.finishReason === 'toolCalls' ? 'tool_calls' : result.finishReason
}
