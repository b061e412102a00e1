import type { WardenBridge, WardenClient } from '../../../shared/contract/client'
import { WardenError } from '../../../shared/errors'
import { PreloadClient } from './PreloadClient'
import { WebSocketClient } from './WebSocketClient'

declare global {
  interface Window {
    warden?: WardenBridge
  }
}

/** Inside Electron the preload's bridge; in a browser the server's WebSocket, with the token from the URL (then kept in the tab's session storage). */
export function createClient(): WardenClient {
  if (window.warden) return new PreloadClient(window.warden)
  const token = new URLSearchParams(window.location.search).get('token') ?? sessionStorage.getItem('warden-token')
  if (!token) {
    throw new WardenError('INVALID_INPUT', 'This page needs the token that `warden serve` printed', { hint: 'Open the full URL it printed (…/?token=…).' })
  }
  sessionStorage.setItem('warden-token', token)
  // Out of the address bar (and so out of history, bookmarks and screen shares); the tab keeps it.
  const url = new URL(window.location.href)
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token')
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
  }
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  return new WebSocketClient(`${scheme}://${window.location.host}/ws?token=${encodeURIComponent(token)}`)
}
