import { app, ipcMain, webContents, type WebContents } from 'electron'
import { randomUUID } from 'node:crypto'
import { callIdOf } from '../../shared/contract/events'
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../shared/ipc'
import type { WardenHost } from '../services/host/WardenHost'

/**
 * The Electron adapter of the contract: one generic handler (the host validates every input against
 * the contract) and events forwarded to every window. Only our own pages may call.
 */
export function registerIpc(host: WardenHost, isTrustedSender: (contents: WebContents, url: string) => boolean): () => void {
  // A call's own events (progress, streamed tokens) go to the window that made it, not to every window.
  const callers = new Map<string, WebContents>()
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, name: unknown, input: unknown, callId: unknown) => {
    if (!isTrustedSender(event.sender, event.senderFrame?.url ?? '')) {
      return { ok: false, error: { code: 'INVALID_INPUT', message: 'Calls are only accepted from Warden’s own window' } }
    }
    const id = typeof callId === 'string' && callId.length <= 200 ? callId : randomUUID()
    callers.set(id, event.sender)
    try {
      return await host.invoke(String(name), input, id)
    } finally {
      callers.delete(id)
    }
  })
  const listeners = new Set<WebContents>()
  const unsubscribe = host.onEvent((event) => {
    const callId = callIdOf(event)
    const targets = callId === null ? listeners : [callers.get(callId)].filter((c): c is WebContents => c !== undefined)
    for (const contents of targets) if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event)
  })
  const track = (contents: WebContents) => {
    listeners.add(contents)
    contents.once('destroyed', () => listeners.delete(contents))
  }
  for (const c of webContents.getAllWebContents()) track(c)
  app.on('web-contents-created', (_e, contents) => track(contents))
  return () => {
    unsubscribe()
    ipcMain.removeHandler(IPC_INVOKE_CHANNEL)
  }
}
