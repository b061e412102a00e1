import type { AnyEvent, EventName, EventPayload } from '../../../shared/contract/events'
import type { AdapterIndex } from '../adapters/AdapterIndex'
import type { Emitter } from '../events/Emitter'
import type { HealingEngine } from '../healing/HealingEngine'
import type { HealthMonitor } from '../health/HealthMonitor'
import type { InferenceService } from '../inference/InferenceService'
import { logAlert } from '../logging/callLog'
import type { SettingsStore } from '../settings/SettingsStore'
import type { WorkspaceService } from '../workspace/WorkspaceService'
import { AlertRate } from './alertRate'

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

/** Health: live updates for every window, and an alert (toast, tray, notification) when a source degrades or recovers. */
export function bridgeHealth(health: HealthMonitor, emit: EmitEvent, rate = new AlertRate()): () => void {
  const raise = (alert: { level: 'error' | 'warning' | 'info'; title: string; message: string }) => {
    // Every alert is logged; only so many a minute become toasts and notifications.
    logAlert(alert)
    const { show, heldBefore } = rate.admit()
    if (!show) return
    const more = heldBefore ? ` (${heldBefore} more health alert${heldBefore === 1 ? '' : 's'} in the last minute not shown: see the Health page.)` : ''
    emit('alert', { ...alert, message: alert.message + more, at: Date.now(), page: 'health' })
  }
  const stops = [
    health.onDidChange((change) => emit('health.changed', change)),
    health.onDidTransition(({ source, from, to, issues }) => {
      const worse = severityOf(to) > severityOf(from)
      if (to === 'warning' || to === 'critical') {
        if (!worse && from !== 'unknown') return
        raise({ level: to === 'critical' ? 'error' : 'warning', title: `${source} is ${to}`, message: issues.map((i) => i.message).join(' ') })
      } else if (to === 'normal' && (from === 'warning' || from === 'critical')) {
        raise({ level: 'info', title: `${source} recovered`, message: `${source} is back to normal.` })
      }
    }),
  ]
  return () => stops.forEach((stop) => stop())
}

/** Healing: live updates of the proposals and the loop, and an alert when a proposal needs a person. */
export function bridgeHealing(healing: HealingEngine, emit: EmitEvent): () => void {
  const stops = [
    healing.onDidChange((change) => emit('healing.changed', change)),
    healing.onDidAlert((alert) => {
      logAlert(alert)
      emit('alert', { ...alert, at: Date.now(), page: 'healing' })
    }),
  ]
  return () => stops.forEach((stop) => stop())
}

function severityOf(status: string): number {
  return status === 'critical' ? 3 : status === 'warning' ? 2 : status === 'normal' ? 1 : 0
}
