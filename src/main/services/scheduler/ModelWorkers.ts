import type { Settings, WorkerInfo } from '../../../shared/contract/inference'
import type { WardenError } from '../../../shared/errors'
import { logFailure } from '../logging/callLog'
import type { WorkerLogSink } from '../logging/WorkerLogs'
import type { WorkerLauncher } from '../workers/launcher'
import { threadsPerWorker } from '../workers/threads'
import { crashAlert, type Alert, type CrashPolicy } from './crashPolicy'
import { isLive, type StateChange } from './lifecycleStates'
import { MemoryLedger } from './MemoryLedger'
import { needBytes, placedModelBytes, planIdleUnload, planPlacement, planTrim, refusalError, type PlacedModel, type PlacementBudget, type PlacementRequest } from './placement'
import { SparePool } from './SparePool'
import type { ModelRef } from './types'
import { WorkerLifecycle, type ProcessKeeper } from './WorkerLifecycle'
import { logger } from '../logging/processLog'

const log = logger('scheduler')

/**
 * A process whose model was unloaded is kept as a spare only if its resident memory fell back near a
 * fresh spare's: at most this many times the runtime's fixed cost per worker (else it is ended, so
 * a spare never counts as less than it holds nor holds much more than a fresh one).
 */
export const keptSpareMaxRuntimes = 1.5

export interface ModelWorkersOptions {
  launcher: WorkerLauncher
  workerLogs?: WorkerLogSink
  settings: () => Settings
  /** The budget, and the GPUs found (none: models run on the CPU, and the budget is RAM). */
  budget: () => PlacementBudget & { gpus: readonly unknown[] }
  now: () => number
  cores: () => number
  crashPolicy: CrashPolicy
  graceMs: number
  /** Context tokens per sequence for a model that does not say. */
  contextSize: number
  /** Keep spare worker processes ready (the spareWorkers setting; see `SparePool`); false: none (one CLI command). */
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

/**
 * The runtime's fixed cost per worker process before one was measured: a spare's resident memory
 * (node, node-llama-cpp and llama.cpp's binary, no model) is about 90 MB.
 */
export const defaultRuntimeBytes = 96 * 1024 * 1024

const statsIntervalMs = 10_000

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
  private lastStatsAt = 0
  /**
   * The runtime's fixed cost per worker: the resident memory of a fresh process with node-llama-cpp
   * in it and no model yet, measured in a warm spare, then just before each load into a fresh process
   * (a process that served a model before may hold more, which its own measurement counts). Never
   * derived from a loaded worker: its KV cache and compute buffers are the model's, not the runtime's.
   */
  private runtime: { bytes: number; measuredIn: 'default' | 'spare' | 'worker' } = { bytes: defaultRuntimeBytes, measuredIn: 'default' }

  constructor(private readonly options: ModelWorkersOptions) {
    this.spares = new SparePool({
      launcher: options.launcher,
      workerLogs: options.workerLogs,
      maxRamMb: () => options.settings().maxRAMPerWorker,
      ledger: this.ledger,
      onMeasured: (rss) => {
        if (this.runtime.measuredIn !== 'worker') this.runtime = { bytes: rss, measuredIn: 'spare' }
        this.fitSpares(0, 0)
      },
      onChange: (reason) => this.options.onChange(reason),
    })
    this.idleTimer = setInterval(() => {
      // A timer that throws would end the process: a failure here (the database closed under a host
      // torn down without shutdown, say) is noted and the next tick tries again.
      try {
        this.unloadIdle()
        if (this.options.now() - this.lastStatsAt >= statsIntervalMs) this.refreshStats(2000).catch((error: unknown) => logFailure('Measuring the workers', error))
      } catch (error) {
        logFailure('Checking for idle workers', error)
      }
    }, 1000)
    this.idleTimer.unref()
  }

  /**
   * Whether processes count against the budget by their resident memory: models run on the CPU (no
   * GPU, or gpuLayers 0). On a GPU the budget is VRAM, which a worker's runtime does not take.
   */
  private get ramBudget(): boolean {
    return this.options.budget().gpus.length === 0 || this.options.settings().gpuLayers === 0
  }

  /** The runtime's fixed cost per worker counted against the budget (0 on a GPU budget), and where it was measured. */
  get runtimeCost(): { bytes: number; measuredIn: 'default' | 'spare' | 'worker' } {
    return this.ramBudget ? this.runtime : { bytes: 0, measuredIn: this.runtime.measuredIn }
  }

  /**
   * What a model needs placed: its estimate and the runtime's fixed cost (the genome issue adds its
   * adapters as `extraBytes`); once it was loaded with the same file and settings, what that load
   * cost (`WorkerLifecycle.learnedBytes`), which replaces the estimate's guess.
   *
   * A learned size decides what is paged out, but never refuses a model on its own (see
   * `placedModelBytes`).
   */
  placementRequest(model: ModelRef): PlacementRequest {
    const runtimeBytes = this.runtimeCost.bytes
    const learnedBytes = this.slots.get(model.id)?.learnedBytes(this.measureKey(model)) ?? null
    const pinned = this.live().reduce((sum, s) => sum + (s.pinned && s.model.id !== model.id ? s.memoryBytes : 0), 0)
    const roomBytes = this.options.budget().totalBytes - pinned
    return { modelId: model.id, modelBytes: placedModelBytes({ estimateBytes: model.estimateBytes, learnedBytes, runtimeBytes, roomBytes }), runtimeBytes }
  }

  /** What a model's measurement holds for: its file, how it is loaded, and what the budget counts. */
  private measureKey(model: ModelRef): string {
    const s = this.options.settings()
    return JSON.stringify([model.path, model.estimateBytes, s.gpuLayers, s.parallelRequestsPerModel, model.contextSize ?? this.options.contextSize, this.ramBudget])
  }

  /** Spare workers as the Workers page shows them. */
  spareList() {
    return this.spares.list()
  }

  /** Start spare workers up to the setting, into free room only (a long-running host does it once it serves). */
  prepareSpares(): void {
    if (this.disposed) return
    const settings = this.options.settings()
    const target = this.options.spareWorker ? settings.spareWorkers : 0
    const total = this.options.budget().totalBytes
    this.spares.replenish(
      target,
      this.runtimeCost.bytes,
      (bytes) => this.ledger.usedBytes + bytes <= total && this.live().length + this.spares.count + 1 <= settings.maxConcurrentWorkers,
      (rss) => (this.ramBudget ? rss : 0),
    )
  }

  /** Stop spares until `bytes` more and `workers` more processes fit beside them: spares give way to models. */
  private fitSpares(bytes: number, workers: number): void {
    const total = this.options.budget().totalBytes
    const maxWorkers = this.options.settings().maxConcurrentWorkers
    this.spares.trimWhile(() => this.ledger.usedBytes + bytes > total || this.live().length + this.spares.count + workers > maxWorkers)
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
    const need = needBytes(this.placementRequest(slot.model))
    this.fitSpares(need, 1)
    const reservation = this.ledger.reserve(need, slot.model.id)
    slot.start(worker, reservation, this.measureKey(slot.model), {
      title: slot.model.id,
      modelPath: slot.model.path,
      gpuLayers: settings.gpuLayers,
      sequences: settings.parallelRequestsPerModel,
      contextSize: slot.model.contextSize ?? this.options.contextSize,
      threads: this.threadsFor(this.live().length + 1),
    })
    this.prepareSpares() // the next swap-in finds one warm
  }

  /**
   * Stop the models' workers; each process is kept as a spare (its model unloaded in it) when the
   * spare pool wants one. `swapIn`: they make room for a model about to start, which takes a spare.
   */
  pageOut(modelIds: readonly string[], reason: string, swapIn = false): void {
    for (const id of modelIds) void this.slots.get(id)?.stop(reason, this.keeper(swapIn))
  }

  /** Unload the model once its requests in flight are done (`model unload`); its process may be kept as a spare. */
  unload(slot: WorkerLifecycle, reason: string): Promise<void> {
    return slot.stopWhenIdle(reason, this.keeper(false))
  }

  /**
   * Keep a stopping worker's process as a spare (its model unloaded in it, node-llama-cpp kept)
   * while the pool has fewer than `spareWorkers` (one more when a model about to start will take
   * one; none when the setting is 0), and only if it gave its memory back: its resident memory at most `keptSpareMaxRuntimes`
   * runtimes, and on a GPU the model's VRAM freed.
   */
  private keeper(swapIn: boolean): ProcessKeeper {
    return {
      wanted: () => {
        const target = this.options.settings().spareWorkers
        if (this.disposed || !this.options.spareWorker || target === 0) return false
        const keeping = this.all().filter((s) => s.keepingProcess).length
        return this.spares.count + keeping < target + (swapIn ? 1 : 0)
      },
      adopt: (worker, reservation, after, load) => {
        if (this.disposed) return false
        const limit = keptSpareMaxRuntimes * this.runtime.bytes
        if (after.rssBytes > limit) {
          log.info(`Ended the worker of ${worker.modelId} instead of keeping it as a spare: ${after.rssBytes} bytes resident after unloading its model, above ${Math.round(limit)}`)
          return false
        }
        const freed = after.vramUsedBeforeBytes - after.vramUsedBytes
        if (load.gpu && load.vramBytes > 0 && freed < load.vramBytes / 2) {
          log.info(`Ended the worker of ${worker.modelId} instead of keeping it as a spare: unloading its model freed ${freed} bytes of VRAM of ${load.vramBytes}`)
          return false
        }
        this.spares.adopt(worker, reservation, after.rssBytes, this.ramBudget ? after.rssBytes : 0)
        return true
      },
    }
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
    if (loaded) this.learnRuntime(slot)
    if (loaded) this.trimToBudget(`paged out: ${slot.model.name} took more memory than estimated`, slot)
    if (loaded || isLive(e.from) !== isLive(e.to)) this.rebalanceThreads()
    if (quiet) return
    this.options.onChange(e.reason)
    if (this.disposed) return
    this.options.onRoom()
    if (loaded || e.to === 'stopped') this.prepareSpares()
  }

  /** A fresh process's resident memory just before its model was loaded: the runtime's fixed cost, for the next prediction. */
  private learnRuntime(slot: WorkerLifecycle): void {
    const load = slot.load
    if (!load || !slot.worker || slot.worker.servedBefore || !(load.rssBeforeBytes > 0)) return
    this.runtime = { bytes: load.rssBeforeBytes, measuredIn: 'worker' }
  }

  /** After a crash's back-off: reload now if it fits without paging anything out; else the next request for it loads it. */
  private restartAfterBackoff(slot: WorkerLifecycle): void {
    if (this.disposed || slot.state !== 'stopped') return // a queued request started it already
    const settings = this.options.settings()
    const decision = planPlacement({ budget: this.options.budget(), maxWorkers: settings.maxConcurrentWorkers, models: this.placed(), request: this.placementRequest(slot.model), allowPageOut: false })
    if (decision.kind === 'start') this.start(slot)
    if (decision.kind === 'refuse') {
      const error = refusalError(slot.model.name, decision.refusal)
      slot.reportError(error.message)
      this.options.refuse(slot.model.id, error)
    }
    this.options.onRoom()
  }

  /** A model that took more than its estimate can push usage over the budget: page out idle ones. */
  private trimToBudget(reason: string, keep?: WorkerLifecycle): void {
    this.fitSpares(0, 0)
    const victims = planTrim({ totalBytes: this.options.budget().totalBytes, models: this.placed(), keepId: keep?.model.id ?? '', protectedIds: this.options.waitedFor() })
    this.pageOut(victims, reason)
  }

  private unloadIdle(): void {
    const minutes = this.options.settings().idleUnloadMinutes
    this.pageOut(planIdleUnload({ models: this.placed(), protectedIds: this.options.waitedFor(), now: this.options.now(), idleMs: minutes * 60_000 }), `idle for ${minutes} min`)
  }

  /** Measure each running worker's process memory again (it grows as a model's weights are used); page out idle ones if over the budget. */
  async refreshStats(timeoutMs: number): Promise<void> {
    this.lastStatsAt = this.options.now()
    await Promise.all(
      this.live().map(async (s) => {
        const worker = s.worker
        if (!worker || s.state === 'starting') return
        const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref())
        const stats = await Promise.race([worker.request<'stats'>({ type: 'stats' }), timeout]).catch(() => null)
        if (stats && s.worker === worker) s.measure(stats.rssBytes, stats.adapterBytes ?? 0)
      }),
    )
    if (this.disposed) return
    if (this.ledger.usedBytes > this.options.budget().totalBytes) this.trimToBudget('paged out: the workers grew past the memory budget')
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
      estimateBytes: slot.predictedBytes,
      measuredBytes: slot.measuredBytes,
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
