import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import { toWardenError } from '../lib/toWardenError'
import type { AppInfo, OpenWorkspace } from '../lib/types'

interface SessionState {
  status: 'loading' | 'ready' | 'failed'
  info: AppInfo | null
  /** The open workspace; null shows the first-run screen. */
  workspace: OpenWorkspace | null
  error: WardenError | null
  load(): Promise<void>
  reloadWorkspace(): Promise<void>
  reset(): void
}

/** Who we are (app.info) and which workspace is open. */
export const useSessionStore = create<SessionState>()((set) => ({
  status: 'loading',
  info: null,
  workspace: null,
  error: null,
  load: async () => {
    try {
      const client = wardenClient()
      const [info, workspace] = await Promise.all([client.call('app.info', {}), client.call('workspace.get', {})])
      set({ status: 'ready', info, workspace, error: null })
    } catch (error) {
      set({ status: 'failed', error: toWardenError(error) })
    }
  },
  reloadWorkspace: async () => {
    try {
      set({ workspace: await wardenClient().call('workspace.get', {}) })
    } catch {
      // the next event or reload tries again; the page keeps what it shows
    }
  },
  reset: () => set({ status: 'loading', info: null, workspace: null, error: null }),
}))
