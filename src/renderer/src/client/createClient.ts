import type { WardenBridge, WardenClient } from '../../../shared/contract/client'
import { WardenError } from '../../../shared/errors'
import { PreloadClient } from './PreloadClient'
import { WebSocketClient } from './WebSocketClient'

declare global {
  interface Window {
    warden?: WardenBridge
  }
}

/** Inside Electron the preload's bridge; in a browser the server's WebSocket, with the token from the URL. */
export function createClient(): WardenClient {
  if (window.warden) return new PreloadClient(window.warden)
  const token = new URLSearchParams(window.location.search).get('token') ?? sessionStorage.getItem('warden-token')
  if (!token) {
    throw new WardenError('INVALID_INPUT', 'This page needs the token that `warden serve` printed', { hint: 'Open the full URL it printed (…/?token=…).' })
  }
  sessionStorage.setItem('warden-token', token)
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  return new WebSocketClient(`${scheme}://${window.location.host}/ws?token=${encodeURIComponent(token)}`)
}
