import type { AnyEvent, EventName, EventPayload } from '../../../shared/contract/events'
import type { AdapterIndex } from '../adapters/AdapterIndex'
import type { Emitter } from '../events/Emitter'
import type { InferenceService } from '../inference/InferenceService'
import { logAlert } from '../logging/callLog'
import type { SettingsStore } from '../settings/SettingsStore'
import type { WorkspaceService } from '../workspace/WorkspaceService'

/** Raise one of the contract's events. */
export type EmitEvent = <E extends EventName>(event: E, payload: EventPayload<E>) => void

export function emitTo(events: Emitter<AnyEvent>): EmitEvent {
  return (event, payload) => events.fire({ event, payload } as AnyEvent)
}

/**
 * The one place where what services report (their `onDid…` events) becomes the contract's events
 * that clients see. Each function returns what stops it.
 */
export function bridgeWorkspaces(workspaces: WorkspaceService, emit: EmitEvent): () => void {
  const stops = [
    workspaces.onDidChangeModules(({ workspace, source }) => emit('modules.changed', { workspace, source, at: Date.now() })),
    workspaces.onDidOpen(({ path }) => emit('workspace.changed', { path })),
    workspaces.onDidAlert((alert) => {
      logAlert(alert)
      emit('alert', { ...alert, at: Date.now() })
    }),
  ]
  return () => stops.forEach((stop) => stop())
}

export function bridgeSettings(settings: SettingsStore, emit: EmitEvent): () => void {
  return settings.onDidChange(({ keys, source }) => emit('settings.changed', { keys, source, at: Date.now() }))
}

export function bridgeAdapters(index: AdapterIndex, emit: EmitEvent): () => void {
  return index.onDidChange(() => emit('adapters.changed', { at: Date.now() }))
}

export function bridgeInference(inference: InferenceService, emit: EmitEvent): () => void {
  const stops = [
    inference.onDidChangeWorkers((reason) => emit('workers.changed', { at: Date.now(), reason })),
    inference.onDidChangeModels(() => emit('models.changed', { at: Date.now() })),
    inference.onDidChangePersonas(() => emit('personas.changed', { at: Date.now() })),
    inference.onDidAlert((alert) => {
      logAlert(alert)
      emit('alert', { ...alert, at: Date.now() })
    }),
  ]
  return () => stops.forEach((stop) => stop())
}
