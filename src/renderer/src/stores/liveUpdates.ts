import type { WardenClient } from '../../../shared/contract/client'
import { useDetailStore } from './detailStore'
import { useModulesStore } from './modulesStore'
import { useProgressStore } from './progressStore'
import { useSessionStore } from './sessionStore'

/** How long to gather bursts of `modules.changed` (a hibernation touches many files) into one refetch. */
const DEBOUNCE_MS = 100

/**
 * Keeps the stores in step with the host: refetches after `modules.changed` (ours, the CLI's or
 * edits on disk), feeds progress, and follows the workspace. Returns the function that stops it.
 */
export function startLiveUpdates(client: WardenClient): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null
  const refetch = () => {
    timer = null
    void useModulesStore.getState().refresh()
    void useDetailStore.getState().reload()
  }
  const unsubscribe = client.onEvent((e) => {
    switch (e.event) {
      case 'modules.changed':
        if (timer) clearTimeout(timer)
        timer = setTimeout(refetch, DEBOUNCE_MS)
        break
      case 'operation.progress':
        useProgressStore.getState().update(e.payload)
        break
      case 'workspace.changed':
        useDetailStore.getState().select(null)
        void useSessionStore.getState().reloadWorkspace()
        void useModulesStore.getState().refresh()
        break
    }
  })
  return () => {
    if (timer) clearTimeout(timer)
    unsubscribe()
  }
}
