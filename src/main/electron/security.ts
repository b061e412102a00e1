import type { BrowserWindow, Session } from 'electron'
import { CONTENT_SECURITY_POLICY } from '../server/staticFiles'

/** The window's web preferences: isolated, sandboxed, no Node in the page. */
export const secureWebPreferences = (preload: string) => ({
  preload,
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  spellcheck: false,
})

/** A strict CSP on every response, and no permission prompts (Warden needs none). */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
}

/** No navigation away from our page and no new windows; links open nowhere. */
export function lockNavigation(window: BrowserWindow, isOwnUrl: (url: string) => boolean): void {
  window.webContents.on('will-navigate', (event, url) => {
    if (!isOwnUrl(url)) event.preventDefault()
  })
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))
}
