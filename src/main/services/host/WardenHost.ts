import * as path from 'node:path'
import type { AnyEvent } from '../../../shared/contract/events'
import type { WorkspaceInfo } from '../../../shared/contract/schemas'
import type { Result } from '../../../shared/errors'
import { AdapterIndex } from '../adapters/AdapterIndex'
import { ApiKeyService } from '../apikeys/ApiKeyService'
import { AppService, type Runtime } from '../app/AppService'
import { openDemo } from '../demo/openDemo'
import { Emitter } from '../events/Emitter'
import type { HibernationService } from '../hibernation/HibernationService'
import { HealingEngine, type HealingEngineOptions } from '../healing/HealingEngine'
import { draftFix } from '../healing/draftFix'
import { createFitnessOf } from '../healing/fitness'
import { HealingSandbox } from '../healing/sandbox/HealingSandbox'
import { PatchStore } from '../healing/PatchStore'
import { strategies } from '../healing/strategies'
import { Supervisor } from '../healing/Supervisor'
import { HealthMonitor } from '../health/HealthMonitor'
import { HealthStore } from '../health/HealthStore'
import { InferenceService, type InferenceOptions } from '../inference/InferenceService'
import { LogService } from '../logging/LogService'
import { SettingsStore } from '../settings/SettingsStore'
import { WardenDatabase } from '../storage/Database'
import { homePaths, type HomePaths } from '../storage/paths'
import { ensurePrivateHome } from '../storage/privateHome'
import { UsageStore } from '../storage/UsageStore'
import { ForkLauncher, type WorkerLauncher } from '../workers/launcher'
import { WorkspaceService } from '../workspace/WorkspaceService'
import { Dispatcher } from './Dispatcher'
import { bridgeAdapters, bridgeHealing, bridgeHealth, bridgeInference, bridgeSettings, bridgeWorkspaces, emitTo, type EmitEvent } from './eventBridge'
import { createHandlers, type HostServices } from './handlers'

export { readOwnVersion } from '../app/version'
export type { Runtime }

export interface WardenHostOptions {
  home: string
  runtime: Runtime
  /** Watch the open workspace for changes by other processes. Defaults to true except for the CLI. */
  watch?: boolean
  /** Extra versions for the about box (electron, chrome…). */
  versions?: Record<string, string>
  /** gzip level of hibernation archives. Defaults to 4. */
  gzipLevel?: number
  /** The clock (tests move it forward to age hibernations). Defaults to `Date.now`. */
  now?: () => number
  /** better-sqlite3 addon built for this runtime (Electron in development). Defaults to node_modules'. */
  sqliteBinding?: string
  /** Starts inference workers: `utilityProcess` in the app; `child_process.fork` by default. */
  launcher?: WorkerLauncher
  /** Inference tuning for tests (GPU readings, free disk space, crash back-off). */
  inference?: Pick<InferenceOptions, 'detectGpus' | 'freeSpace' | 'scheduler'>
  /** The healing engine's sandbox, fitness and strategies (tests give their own). */
  healing?: Partial<Pick<HealingEngineOptions, 'sandbox' | 'fitnessOf' | 'strategies'>>
}

/**
 * The composition root of one process (app, server or CLI): builds Warden's services, wires the
 * dispatcher and the event bridge to them, and disposes them. Adapters call `invoke` and listen
 * with `onEvent`; the other methods hand the adapters' start-up steps to the service that does them.
 */
export class WardenHost {
  readonly paths: HomePaths
  readonly database: WardenDatabase
  readonly usage: UsageStore
  /** Keys that reach only the OpenAI-compatible endpoint. */
  readonly apiKeys: ApiKeyService
  /** One settings store for every service of this process (two on one database would cache stale values). */
  readonly settings: SettingsStore
  /** The adapters folder's SQLite index and usage. */
  readonly adapterIndex: AdapterIndex
  /** The logs in `<home>/logs`, and each model's worker output. */
  readonly logs: LogService
  readonly app: AppService
  readonly workspaces: WorkspaceService
  readonly health: HealthMonitor
  readonly healing: HealingEngine
  readonly supervisor: Supervisor
  private inferenceService: InferenceService | null = null
  private readonly didStartInference = new Emitter<InferenceService>()
  private readonly events = new Emitter<AnyEvent>()
  private readonly emit: EmitEvent = emitTo(this.events)
  private readonly bridges: Array<() => void> = []
  private readonly dispatcher: Dispatcher

  constructor(private readonly options: WardenHostOptions) {
    this.paths = homePaths(options.home)
    ensurePrivateHome(this.paths.home)
    this.database = new WardenDatabase(this.paths.database, options.sqliteBinding)
    this.usage = new UsageStore(this.database)
    this.apiKeys = new ApiKeyService(this.database)
    this.settings = new SettingsStore(this.database)
    this.adapterIndex = new AdapterIndex(this.database)
    this.logs = new LogService(this.paths.logs)
    this.app = new AppService({ home: this.paths.home, runtime: options.runtime, versions: options.versions })
    this.workspaces = new WorkspaceService({
      database: this.database,
      usage: this.usage,
      archiveDir: this.paths.moduleArchive,
      watch: options.watch ?? options.runtime !== 'cli',
      remember: options.runtime !== 'cli',
      settings: this.settings,
      autoArchive: options.runtime !== 'cli',
      gzipLevel: options.gzipLevel,
      now: options.now,
    })
    this.bridges.push(bridgeWorkspaces(this.workspaces, this.emit), bridgeSettings(this.settings, this.emit))
    // The app and the server show changes other processes make (`warden config set --local`); a CLI command ends first.
    if (options.runtime !== 'cli') this.bridges.push(this.settings.watch())
    // Adapters added or removed here, or by a CLI command (seen in the index within a second).
    this.bridges.push(bridgeAdapters(this.adapterIndex, this.emit))
    if (options.runtime !== 'cli') this.bridges.push(this.adapterIndex.watch())
    const healthStore = new HealthStore(this.database)
    this.health = new HealthMonitor({
      store: healthStore,
      settings: this.settings,
      now: options.now,
      // Never starts inference: a server that has not run a model has no model sources to measure.
      inference: () => this.inferenceService,
    })
    this.bridges.push(bridgeHealth(this.health, this.emit))
    // The app and the server measure their personas and models; a CLI command reads the stored history.
    if (options.runtime !== 'cli') this.health.start()
    const setting = () => this.settings.get()
    const sandbox = new HealingSandbox({
      workspace: () => this.workspaces.requireHibernation().workspace,
      limits: () => ({ timeoutSeconds: setting().healingSandboxTimeoutSeconds, memoryMB: setting().healingSandboxMemoryMB }),
      inference: () => this.inference,
      baseline: (source) => healthStore.baseline(source)?.basin ?? null,
      sourceHealth: (source) => {
        try {
          return this.health.sourceHealth(source)
        } catch {
          return null
        }
      },
      embeddingModel: () => setting().embeddingModel || null,
    })
    this.healing = new HealingEngine({
      store: new PatchStore(this.database),
      settings: this.settings,
      health: this.health,
      inference: () => this.inference,
      runningInference: () => this.inferenceService,
      workspaces: this.workspaces,
      sandbox: options.healing?.sandbox ?? sandbox,
      fitnessOf: options.healing?.fitnessOf ?? createFitnessOf(() => ({ phiMin: setting().healthPhiMin, phiMax: setting().healthPhiMax, driftMax: setting().healthDriftMax })),
      draftFix: (input, run) => draftFix(input, { inference: () => this.inference, modules: sandbox.modules }, run),
      strategies: options.healing?.strategies ?? strategies,
      // The supervisor's decisions, in healing history (it is built next: it proposes through this engine).
      decisions: (limit) => this.supervisor.decisions(limit),
      journalDir: path.join(this.paths.home, 'healing', 'journal'),
      now: options.now,
    })
    this.bridges.push(bridgeHealing(this.healing, this.emit))
    // The app and the server finish or undo what a crash interrupted (a CLI command does it before its change).
    if (options.runtime !== 'cli') void this.healing.recover().catch(() => {})
    this.supervisor = new Supervisor({
      database: this.database,
      settings: this.settings,
      hibernation: () => this.workspaces.requireHibernation(),
      // Proposals (hibernate a tree, wake and test) go through the healing engine: evaluated, then reviewed.
      proposals: this.healing,
      ask: async (persona, prompt, signal) => (await this.inference.chat({ name: persona, prompt, priority: 'batch', stateless: true }, { signal })).text,
      now: options.now,
    })
    // The app and the server check modules on the schedule (moduleCheckIntervalMinutes); a CLI command does not.
    if (options.runtime !== 'cli') this.supervisor.start()
    const inference = () => this.inference
    const services: HostServices = {
      home: this.paths.home,
      app: this.app,
      workspaces: this.workspaces,
      apiKeys: this.apiKeys,
      health: this.health,
      healing: this.healing,
      supervisor: this.supervisor,
      logs: this.logs,
      settings: this.settings,
      adapterIndex: this.adapterIndex,
      get inference() {
        return inference()
      },
      cancelCall: (callId) => this.dispatcher.cancel(callId),
    }
    this.dispatcher = new Dispatcher(createHandlers(services), this.emit)
  }

  get home(): string {
    return this.paths.home
  }

  /** Models, workers and personas; started on first use (a CLI command about modules never starts it). */
  get inference(): InferenceService {
    if (!this.inferenceService) {
      this.inferenceService = new InferenceService({
        home: this.home,
        database: this.database,
        settings: this.settings,
        workerLogs: this.logs.workers,
        launcher: this.options.launcher ?? new ForkLauncher(),
        ...this.options.inference,
        scheduler: { spareWorker: this.options.runtime !== 'cli', ...this.options.inference?.scheduler },
      })
      this.bridges.push(bridgeInference(this.inferenceService, this.emit))
      const service = this.inferenceService
      this.bridges.push(service.onDidGenerate((event) => this.health.recordGeneration(event)))
      this.didStartInference.fire(this.inferenceService)
    }
    return this.inferenceService
  }

  /**
   * Call `listener` with the inference service once it has started (at once if it has): for what
   * watches it without starting it (the server's /metrics). Returns what stops waiting.
   */
  whenInference(listener: (inference: InferenceService) => void): () => void {
    if (this.inferenceService) {
      listener(this.inferenceService)
      return () => {}
    }
    return this.didStartInference.event(listener)
  }

  /** Serve one call of the contract: a Result, never a throw. */
  invoke(name: string, rawInput: unknown, callId?: string): Promise<Result<unknown>> {
    return this.dispatcher.invoke(name, rawInput, callId)
  }

  /** Cancel a running call (a download, a generation) by its id. */
  cancel(callId: string): boolean {
    return this.dispatcher.cancel(callId)
  }

  /** Every contract event; returns the function that unsubscribes. */
  onEvent(listener: (event: AnyEvent) => void): () => void {
    return this.events.event(listener)
  }

  info() {
    return this.app.info()
  }

  workspaceInfo(): (WorkspaceInfo & { recent: string[] }) | null {
    return this.workspaces.info()
  }

  openWorkspace(folder: string): Promise<WorkspaceInfo> {
    return this.workspaces.open(folder)
  }

  /** Reopen the workspace used last (app and server), if it still exists. */
  restoreLastWorkspace(): Promise<void> {
    return this.workspaces.restoreLast()
  }

  createDemo(folder: string): Promise<WorkspaceInfo & { modules: number }> {
    return openDemo(folder, this.workspaces, () => this.inference)
  }

  requireHibernation(): HibernationService {
    return this.workspaces.requireHibernation()
  }

  /** Stop the workers (grace period, then kill), then close everything. */
  async shutdown(): Promise<void> {
    this.dispatcher.cancelAll()
    await this.inferenceService?.dispose()
    this.dispose()
  }

  dispose(): void {
    this.supervisor.dispose()
    this.healing.dispose()
    this.health.dispose()
    this.workspaces.dispose()
    for (const stop of this.bridges.splice(0)) stop()
    this.didStartInference.dispose()
    this.events.dispose()
    this.logs.dispose()
    this.database.dispose()
  }
}
