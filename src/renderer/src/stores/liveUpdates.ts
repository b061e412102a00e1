import type { WardenClient } from '../../../shared/contract/client'
import { useGenomeStore } from '../pages/genome/genomeStore'
import { healingUpdates } from '../pages/healing/healingLive'
import { healthUpdates } from '../pages/health/healthLive'
import { alertToast } from './alertToast'
import { useChatStore } from './chatStore'
import { useDetailStore } from './detailStore'
import { useModelsStore } from './modelsStore'
import { useModulesStore } from './modulesStore'
import { usePersonasStore } from './personasStore'
import { useProgressStore } from './progressStore'
import { useSessionStore } from './sessionStore'
import { useSettingsStore } from './settingsStore'
import { useToastStore } from './toastStore'
import { useWorkersStore } from './workersStore'

/** How long to gather bursts of `modules.changed` (a hibernation touches many files) into one refetch. */
const DEBOUNCE_MS = 100
/** At most one refetch this often for the inference lists (download progress changes models many times a second). */
const THROTTLE_MS = 150

/** A function that runs `fn` once, THROTTLE_MS after the first of any burst of calls; `cancel` drops a pending run. */
function throttled(fn: () => void): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null
  const run = () => {
    if (timer) return
    timer = setTimeout(() => {
      timer = null
      fn()
    }, THROTTLE_MS)
  }
  run.cancel = () => {
    if (timer) clearTimeout(timer)
    timer = null
  }
  return run
}

/**
 * Keeps the stores in step with the host: refetches after `modules.changed` (ours, the CLI's or
 * edits on disk) and the inference events, feeds progress and streamed tokens, shows alerts, and
 * follows the workspace. Lists of pages never opened are not fetched. Returns the function that stops it.
 */
export function startLiveUpdates(client: WardenClient): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null
  const workers = throttled(() => {
    if (useWorkersStore.getState().loaded) void useWorkersStore.getState().refresh()
  })
  const models = throttled(() => {
    if (useModelsStore.getState().loaded) void useModelsStore.getState().refresh()
  })
  const personas = throttled(() => {
    if (!usePersonasStore.getState().loaded) return
    void usePersonasStore.getState().refresh()
    void useChatStore.getState().syncAll()
  })
  const health = healthUpdates()
  const healing = healingUpdates()
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
        useModelsStore.getState().progress(e.payload)
        break
      case 'workers.changed':
        workers()
        models() // a model's `loaded` follows its worker
        break
      case 'models.changed':
        models()
        break
      case 'adapters.changed':
        // Added or removed here or by the CLI, or used: the Genome page, if it was opened.
        if (useGenomeStore.getState().loaded) void useGenomeStore.getState().refresh()
        break
      case 'personas.changed':
        personas()
        break
      case 'settings.changed':
        // Rare and small: refetch at once (the guard folds a burst into one more fetch).
        if (useSettingsStore.getState().loaded) void useSettingsStore.getState().refresh()
        break
      case 'persona.token':
        useChatStore.getState().token(e.payload)
        break
      case 'health.changed':
        health.changed(e.payload)
        break
      case 'healing.changed':
        healing.changed()
        break
      case 'alert':
        // A quarantine is an error; a crash Warden recovers from, a warning; a degraded source links to Health.
        useToastStore.getState().push(alertToast(e.payload))
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
    workers.cancel()
    models.cancel()
    personas.cancel()
    health.stop()
    healing.stop()
    unsubscribe()
  }
}
