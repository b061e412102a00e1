import type { z } from 'zod'
import type { OperationDef } from '../../../../shared/contract/operation'
import type { Operations } from '../../../../shared/contract/operations'
import type { AdapterIndex } from '../../adapters/AdapterIndex'
import type { ApiKeyService } from '../../apikeys/ApiKeyService'
import type { AppService } from '../../app/AppService'
import type { ProgressFn } from '../../hibernation/context'
import type { HealingEngine } from '../../healing/HealingEngine'
import type { Supervisor } from '../../healing/Supervisor'
import type { HealthMonitor } from '../../health/HealthMonitor'
import type { InferenceService } from '../../inference/InferenceService'
import type { LogService } from '../../logging/LogService'
import type { SettingsStore } from '../../settings/SettingsStore'
import type { LogEntry } from '../../../../shared/contract/logs'
import type { WorkspaceService } from '../../workspace/WorkspaceService'

/** One call as its handler sees it. */
export interface CallContext {
  callId: string
  /** Aborted by `operation.cancel` with this call's id, or when the host shuts down. */
  signal: AbortSignal
  /** Progress of this call (an `operation.progress` event for its caller). */
  progress: ProgressFn
  /** Text this call's generation streams (a `persona.token` event for its caller). */
  streamText(persona: string, text: string): void
  /** Log entries this call follows (a `logs.entries` event for its caller). */
  streamLogEntries(entries: LogEntry[]): void
}

/** What handlers reach: the services, never the host that holds them. */
export interface HostServices {
  readonly home: string
  readonly app: AppService
  readonly workspaces: WorkspaceService
  /** Started on first use: a command about modules never starts workers. */
  readonly inference: InferenceService
  readonly apiKeys: ApiKeyService
  /** Personas', models' and external systems' health. */
  readonly health: HealthMonitor
  /** The self-healing engine: proposals, review, apply, rollback. */
  readonly healing: HealingEngine
  /** The supervisor (Ares): module failures, checks, reviews of old hibernations. */
  readonly supervisor: Supervisor
  /** The settings (one store per process). */
  readonly settings: SettingsStore
  /** The adapters folder's SQLite index and usage. */
  readonly adapterIndex: AdapterIndex
  /** The logs in `<home>/logs`, and each model's worker output. */
  readonly logs: LogService
  /** Cancel a running call by its id; false when no such call runs. */
  cancelCall(callId: string): boolean
}

/** The handlers of a domain's operations: the compiler checks each takes its input and returns its output. */
export type HandlersOf<D extends Record<string, OperationDef>> = {
  [K in keyof D]: (input: z.output<D[K]['input']>, ctx: CallContext) => Promise<z.output<D[K]['output']>>
}

/** One handler per operation of the contract. */
export type Handlers = HandlersOf<Operations>
