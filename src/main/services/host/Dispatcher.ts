import { randomUUID } from 'node:crypto'
import { isOperationName, operations, type OperationName } from '../../../shared/contract/operations'
import { parseInput } from '../../../shared/contract/validate'
import { WardenError, type Result } from '../../../shared/errors'
import { logCall } from '../logging/callLog'
import type { EmitEvent } from './eventBridge'
import type { CallContext, Handlers } from './handlers'

/**
 * Serves the contract: validates a call's input, runs its handler with a cancel signal and progress,
 * validates the output, and returns a Result (never throws). Keeps the calls in flight by id.
 */
export class Dispatcher {
  private readonly calls = new Map<string, AbortController>()

  constructor(
    private readonly handlers: Handlers,
    /** Where the calls' own events go (progress, streamed text). */
    private readonly emit: EmitEvent,
  ) {}

  async invoke(name: string, rawInput: unknown, callId: string = randomUUID()): Promise<Result<unknown>> {
    const startedAt = performance.now()
    try {
      if (!isOperationName(name)) throw new WardenError('NOT_FOUND', `Unknown operation ${JSON.stringify(name)}`)
      const input = parseInput(name, rawInput)
      const handler = this.handlers[name] as (input: unknown, ctx: CallContext) => Promise<unknown>
      // Call ids come from clients: one already running is refused, never replaced (it could no
      // longer be cancelled, and its events would go to the wrong caller).
      if (this.calls.has(callId)) throw new WardenError('CONFLICT', `A call with the id ${JSON.stringify(callId.slice(0, 100))} is already running`, { hint: 'Give each call its own id.' })
      const abort = new AbortController()
      this.calls.set(callId, abort)
      try {
        const value = await handler(input, this.contextOf(name, callId, abort.signal))
        const output = operations[name].output.parse(value)
        logCall(name, startedAt)
        return { ok: true, value: output }
      } finally {
        if (this.calls.get(callId) === abort) this.calls.delete(callId)
      }
    } catch (error) {
      if (isOperationName(name)) logCall(name, startedAt, error)
      return { ok: false, error: WardenError.from(error).toJSON() }
    }
  }

  private contextOf(operation: OperationName, callId: string, signal: AbortSignal): CallContext {
    return {
      callId,
      signal,
      progress: (phase, message, fraction = null) => this.emit('operation.progress', { callId, operation, phase, message, fraction }),
      streamText: (persona, text) => this.emit('persona.token', { callId, persona, text }),
      streamLogEntries: (entries) => this.emit('logs.entries', { callId, entries }),
    }
  }

  /** Cancel a running call (a download, a generation) by its id; false when none runs with that id. */
  cancel(callId: string): boolean {
    const call = this.calls.get(callId)
    call?.abort()
    return Boolean(call)
  }

  /** Cancel every running call (the host shuts down). */
  cancelAll(): void {
    for (const call of this.calls.values()) call.abort()
  }
}
