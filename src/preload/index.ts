import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import type { WardenBridge } from '../shared/contract/client'
import type { AnyEvent } from '../shared/contract/events'
import { operationNames } from '../shared/contract/operations'
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../shared/ipc'

/** `window.warden`: one function per contract operation, plus events. Nothing raw is exposed. */
const bridge = Object.fromEntries(
  operationNames.map((name) => [name, (input: unknown, callId?: string) => ipcRenderer.invoke(IPC_INVOKE_CHANNEL, name, input, callId)]),
) as Omit<WardenBridge, 'onEvent'>

const api = {
  ...bridge,
  onEvent(listener: (event: AnyEvent) => void) {
    const wrapped = (_e: IpcRendererEvent, event: AnyEvent) => listener(event)
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped)
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped)
    }
  },
} satisfies WardenBridge

contextBridge.exposeInMainWorld('warden', api)

/** `window.wardenFiles.pathOf(file)`: the path of a file the person dropped or picked (Electron gives File objects no path since v32); '' for others. */
contextBridge.exposeInMainWorld('wardenFiles', { pathOf: (file: File) => webUtils.getPathForFile(file) })
