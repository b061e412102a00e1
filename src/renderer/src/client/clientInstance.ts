import type { WardenClient } from '../../../shared/contract/client'

let current: WardenClient | null = null

/** Called once at startup (main.tsx); stores and actions reach the host through `wardenClient()`. */
export function provideClient(client: WardenClient): void {
  current = client
}

/** The client every store and action talks through. */
export function wardenClient(): WardenClient {
  if (!current) throw new Error('provideClient() must run before the UI talks to Warden')
  return current
}
