import type { AnyEvent } from './events'
import type { OperationInput, OperationName, OperationOutput } from './operations'

export type { OperationInput, OperationName, OperationOutput }

/** What the renderer talks to; one implementation over the preload bridge, one over WebSocket. */
export interface WardenClient {
  call<K extends OperationName>(name: K, input: OperationInput<K>, options?: { callId?: string }): Promise<OperationOutput<K>>
  /** Subscribe to every event; returns the function that unsubscribes. */
  onEvent(listener: (event: AnyEvent) => void): () => void
  readonly transport: 'ipc' | 'websocket'
}

/** The shape the preload exposes as `window.warden`: one function per operation, plus events. */
export type WardenBridge = {
  [K in OperationName]: (input: OperationInput<K>, callId?: string) => Promise<import('../errors').Result<OperationOutput<K>>>
} & {
  onEvent(listener: (event: AnyEvent) => void): () => void
}
