import type { WardenClient } from '../../../shared/contract/client'
import type { AnyEvent } from '../../../shared/contract/events'
import type { OperationName } from '../../../shared/contract/operations'

export type FakeHandler = (input: unknown, callId: string | undefined) => unknown

/** A WardenClient for unit tests: answers from `handlers`, records calls, and emits events on demand. */
export function fakeClient(handlers: Partial<Record<OperationName, FakeHandler>>) {
  const listeners = new Set<(e: AnyEvent) => void>()
  const calls: Array<{ name: OperationName; input: unknown; callId?: string }> = []
  const client: WardenClient = {
    transport: 'websocket',
    call: (async (name: OperationName, input: unknown, options?: { callId?: string }) => {
      calls.push({ name, input, callId: options?.callId })
      const handler = handlers[name]
      if (!handler) throw new Error(`fake client: no handler for ${name}`)
      return handler(input, options?.callId)
    }) as WardenClient['call'],
    onEvent: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return {
    client,
    calls,
    emit: (event: AnyEvent) => listeners.forEach((l) => l(event)),
    listenerCount: () => listeners.size,
  }
}
