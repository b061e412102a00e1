import type { AnyEvent } from '../../../shared/contract/events'
import type { OperationInput, OperationName, OperationOutput, WardenBridge, WardenClient } from '../../../shared/contract/client'
import { WardenError } from '../../../shared/errors'

/** The renderer's client inside the Electron app: `window.warden`, exposed by the preload. */
export class PreloadClient implements WardenClient {
  readonly transport = 'ipc' as const

  constructor(private readonly bridge: WardenBridge) {}

  async call<K extends OperationName>(name: K, input: OperationInput<K>, options?: { callId?: string }): Promise<OperationOutput<K>> {
    const fn = this.bridge[name] as unknown as (input: unknown, callId?: string) => Promise<{ ok: boolean; value?: unknown; error?: unknown }>
    const result = await fn(input, options?.callId)
    if (result.ok) return result.value as OperationOutput<K>
    throw WardenError.from(result.error)
  }

  onEvent(listener: (event: AnyEvent) => void): () => void {
    return this.bridge.onEvent(listener)
  }
}
