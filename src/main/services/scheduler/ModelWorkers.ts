import type { Settings, WorkerInfo } from '../../../shared/contract/inference'
import type { WardenError } from '../../../shared/errors'
import type { WorkerLogSink } from '../logging/WorkerLogs'
import type { WorkerLauncher } from '../workers/launcher'
import { threadsPerWorker } from '../workers/threads'
import { crashAlert, type Alert, type CrashPolicy } from './crashPolicy'
import { isLive, type StateChange } from './lifecycleStates'
import { MemoryLedger } from './MemoryLedger'
import { needBytes, planIdleUnload, planPlacement, planTrim, refusalError, type PlacedModel, type PlacementBudget, type PlacementRequest } from './placement'
import { SparePool } from './SparePool'
import type { ModelRef } from './types'
import { WorkerLifecycle } from './WorkerLifecycle'

export interface ModelWorkersOptions {
  launcher: WorkerLauncher
  workerLogs?: WorkerLogSink
  settings: () => Settings
  budget: () => PlacementBudget
  now: () => number
  cores: () => number
  crashPolicy: CrashPolicy
  graceMs: number
  /** Context tokens per sequence for a model that does not say. */
  contextSize: number
  /** Keep a spare worker process ready (see `SparePool`). */
  spareWorker: boolean
  /** Tell the UI what changed (the `workers.changed` reason). */
  onChange: (reason: string) => void
  onAlert: (alert: Alert) => void
  /** Something changed that may let queued requests run: serve the queue. */
  onRoom: () => void
  /** Refuse the queued requests for a model with `error`. */
  refuse: (modelId: string, error: WardenError) => void
  /** Models that queued requests wait for: never paged out while idle. */
  waitedFor: () => ReadonlySet<string>
}

/** What a model needs placed: its estimate (the genome issue adds its adapters as `extraBytes`). */
export function placementRequest(model: ModelRef): PlacementRequest {
  return { modelId: model.id, modelBytes: model.estimateBytes }
}

/**
 * The models' lifecycles, one per model: starts their workers (the spare one when ready, with a
 * memory reservation and a share of the cores), pages them out, unloads idle ones, and carries out
 * what each lifecycle reports (restarts after a back-off, alerts, threads, trimming to the budget).
 */
export class ModelWorkers {
  private readonly slots = new Map<string, WorkerLifecycle>()
  private readonly ledger = new MemoryLedger()
  private readonly spares: SparePool
  private readonly idleTimer: NodeJS.Timeout
  private disposed = false

  constructor(private readonly options: ModelWorkersOptions) {
    this.spares = new SparePool({ launcher: options.launcher, workerLogs: options.workerLogs, maxRamMb: () => options.settings().maxRAMPerWorker, enabled: options.spareWorker })
    this.idleTimer = setInterval(() => this.unloadIdle(), 1000)
    this.idleTimer.unref()
  }

  get usedBytes(): number {
    return this.ledger.usedBytes
  }

  get peakBytes(): number {
    return this.ledger.peakBytes
  }

  /** The model's lifecycle, created on first use. */
  slotFor(model: ModelRef): WorkerLifecycle {
    let slot = this.slots.get(model.id)
    if (!slot) {
      slot = new WorkerLifecycle(model, { now: this.options.now, crashPolicy: this.options.crashPolicy, graceMs: this.options.graceMs })
      this.watch(slot)
      this.slots.set(model.id, slot)
    } else slot.retarget(model) // the file or its estimate may have changed while unloaded
    return slot
  }

  get(modelId: string): WorkerLifecycle | undefined {
    return this.slots.get(modelId)
  }

  all(): WorkerLifecycle[] {
    return [...this.slots.values()]
  }

  live(): WorkerLifecycle[] {
    return this.all().filter((s) => isLive(s.state))
  }

  placed(): PlacedModel[] {
    return this.all().map((s) => s.placed())
  }

  /** Start the model's worker: the spare process if one is ready, holding the model's reservation. */
  start(slot: WorkerLifecycle): void {
    const settings = this.options.settings()
    const worker = this.spares.take(slot.model.id)
    const reservation = this.ledger.reserve(needBytes(placementRequest(slot.model)), slot.model.id)
    slot.start(worker, reservation, {
      modelPath: slot.model.path,
      gpuLayers: settings.gpuLayers,
      sequences: settings.parallelRequestsPerModel,
      contextSize: slot.model.contextSize ?? this.options.contextSize,
      threads: this.threadsFor(this.live().length + 1),
    })
  }

  pageOut(modelIds: readonly string[], reason: string): void {
    for (const id of modelIds) void this.slots.get(id)?.stop(reason)
  }

  private threadsFor(liveCount: number): number {
    const fixed = this.options.settings().threadsPerWorker
    return fixed > 0 ? fixed : threadsPerWorker(liveCount, this.options.cores())
  }

  /** Share the cores among the running workers again (when one starts or stops). */
  private rebalanceThreads(): void {
    const live = this.live()
    const threads = this.threadsFor(live.length)
    for (const s of live) s.setThreads(threads)
  }

  private watch(slot: WorkerLifecycle): void {
    slot.onDidChangeState((e) => this.onStateChange(slot, e))
    slot.onDidCrash(({ description, verdict }) => this.options.onAlert(crashAlert(slot.model.name, description, verdict, this.options.crashPolicy)))
    slot.onDidFailLoad((error) => this.options.refuse(slot.model.id, error))
    slot.onDidBecomeDueForRestart(() => this.restartAfterBackoff(slot))
  }

  private onStateChange(slot: WorkerLifecycle, e: StateChange): void {
    // Requests report their own start and end ('busy', 'idle'); `crashed` is reported by the state that follows it.
    const quiet = (e.from === 'ready' && e.to === 'busy') || (e.from === 'busy' && e.to === 'ready') || e.to === 'crashed'
    const loaded = e.from === 'loading' && e.to === 'ready'
    if (loaded) this.trimToBudget(slot)
    if (loaded || isLive(e.from) !== isLive(e.to)) this.rebalanceThreads()
    if (quiet) return
    this.options.onChange(e.reason)
    if (this.disposed) return
    this.options.onRoom()
    if (loaded) this.spares.replenish(this.live().length + 1 <= this.options.settings().maxConcurrentWorkers)
  }

  /** After a crash's back-off: reload now if it fits without paging anything out; else the next request for it loads it. */
  private restartAfterBackoff(slot: WorkerLifecycle): void {
    if (this.disposed || slot.state !== 'stopped') return // a queued request started it already
    const settings = this.options.settings()
    const decision = planPlacement({ budget: this.options.budget(), maxWorkers: settings.maxConcurrentWorkers, models: this.placed(), request: placementRequest(slot.model), allowPageOut: false })
    if (decision.kind === 'start') this.start(slot)
    if (decision.kind === 'refuse') {
      const error = refusalError(slot.model.name, decision.refusal)
      slot.reportError(error.message)
      this.options.refuse(slot.model.id, error)
    }
    this.options.onRoom()
  }

  /** A model that took more than its estimate can push usage over the budget: page out idle ones. */
  private trimToBudget(keep: WorkerLifecycle): void {
    const victims = planTrim({ totalBytes: this.options.budget().totalBytes, models: this.placed(), keepId: keep.model.id, protectedIds: this.options.waitedFor() })
    this.pageOut(victims, `paged out: ${keep.model.name} took more memory than estimated`)
  }

  private unloadIdle(): void {
    const minutes = this.options.settings().idleUnloadMinutes
    this.pageOut(planIdleUnload({ models: this.placed(), protectedIds: this.options.waitedFor(), now: this.options.now(), idleMs: minutes * 60_000 }), `idle for ${minutes} min`)
  }

  /** Ask each running worker for its process memory (for the Workers page). */
  async refreshStats(timeoutMs: number): Promise<void> {
    await Promise.all(
      this.live().map(async (s) => {
        const worker = s.worker
        if (!worker || s.state === 'starting') return
        const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref())
        const stats = await Promise.race([worker.request<'stats'>({ type: 'stats' }), timeout]).catch(() => null)
        if (stats && s.worker === worker) s.rssBytes = stats.rssBytes
      }),
    )
  }

  /** A model's worker as the Workers page shows it. */
  info(slot: WorkerLifecycle, queued: number): WorkerInfo {
    const h = slot.history
    return {
      modelId: slot.model.id,
      modelName: slot.model.name,
      pid: slot.worker?.pid ?? null,
      state: slot.state === 'stopped' ? 'stopping' : slot.state,
      memoryBytes: slot.memoryBytes,
      rssBytes: slot.rssBytes,
      device: slot.load?.gpu ? 'gpu' : 'cpu',
      threads: slot.threads,
      tokensPerSecond: slot.tokensPerSecond,
      tokensGenerated: slot.tokensGenerated,
      inFlight: slot.inFlight,
      queued,
      restarts: h.restarts,
      crashes: h.crashes,
      pinned: slot.pinned,
      startedAt: slot.worker ? h.startedAt : null,
      lastUsedAt: h.lastUsedAt,
      lastError: h.lastError,
      restartAt: h.restartAt,
    }
  }

  /** Stop every worker and the spare (grace period, then kill); no more restarts. */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    clearInterval(this.idleTimer)
    for (const s of this.slots.values()) s.dispose()
    await Promise.all([...this.live().map((s) => s.stop('shutting down')), this.spares.dispose(this.options.graceMs)])
  }
}
