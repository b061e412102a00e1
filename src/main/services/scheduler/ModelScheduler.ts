import * as os from 'node:os'
import type { MemoryBudget, Settings, WorkerInfo } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import type { WorkerLogSink } from '../logging/WorkerLogs'
import type { WorkerLauncher } from '../workers/launcher'
import { defaultCrashPolicy, quarantineError, type Alert } from './crashPolicy'
import { ModelWorkers } from './ModelWorkers'
import { refusalError } from './placement'
import { planQueue, type QueueAction } from './queuePlan'
import { RequestQueue, type Job } from './RequestQueue'
import type { ModelRef, RunContext, Scheduled, SubmitOptions } from './types'
import type { WorkerLifecycle } from './WorkerLifecycle'

export type { ModelRef, RunContext, Scheduled, SubmitOptions } from './types'
/** One model's place in the scheduler: its worker's lifecycle, state and history. */
export type ModelSlot = WorkerLifecycle

export interface SchedulerOptions {
  launcher: WorkerLauncher
  /** Where each worker's output goes, per model (logs/workers/). */
  workerLogs?: WorkerLogSink
  /** Current settings (read on every decision, so `config set` takes effect at once). */
  settings: () => Settings
  /** The budget without usage (detected GPU / RAM, or the maxVRAM setting). */
  budget: () => Omit<MemoryBudget, 'usedBytes'>
  onChange?: (reason: string) => void
  onAlert?: (alert: Alert) => void
  now?: () => number
  cores?: number
  /** Crashes within `crashWindowMs` that quarantine a model. Defaults to 3 (VS Code: 3 in 5 minutes). */
  maxCrashes?: number
  /** Defaults to 5 minutes. */
  crashWindowMs?: number
  /** Restart back-off: base doubling per recent crash, up to max. Default 1 s and 30 s. */
  backoffBaseMs?: number
  backoffMaxMs?: number
  /** Shutdown grace before SIGKILL. Defaults to 5 s. */
  graceMs?: number
  /** Context tokens per sequence that a worker is loaded with. Defaults to 1024. */
  contextSize?: number
  /**
   * Keep started, idle worker processes ready (node-llama-cpp imported and initialised; as many as
   * the spareWorkers setting), so a swap-in only loads the model. For long-running hosts (app,
   * server); not for one CLI command. Defaults to `false`.
   */
  spareWorker?: boolean
  /** Folder where a model's worker keeps its conversations' states while the model is paged out (see `LoadRequest.pagedStateDir`). */
  pagedStateDir?: (model: ModelRef) => string | undefined
}

/**
 * The seed's AIResourceManager, as a facade over its parts: the request queue (`RequestQueue`), a
 * pure plan of each pass over it (`queuePlan.ts`, `placement.ts`), the models' workers
 * (`ModelWorkers`: one `WorkerLifecycle` per model, the spare worker, memory reservations) and the
 * crash policy (`crashPolicy.ts`). It serves the queue in order and carries out what the plan
 * decides: a model with requests in flight, or pinned, is never paged out, and the memory reserved
 * (before a load starts, released when its process has exited) never exceeds the budget.
 */
export class ModelScheduler {
  private readonly queue: RequestQueue
  private readonly workers: ModelWorkers
  private readonly now: () => number
  private disposed = false
  private pumping = false
  private pumpAgain = false

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? Date.now
    this.queue = new RequestQueue(this.now, (reason) => {
      this.changed(reason)
      this.pump()
    })
    this.workers = new ModelWorkers({
      launcher: options.launcher,
      workerLogs: options.workerLogs,
      settings: options.settings,
      budget: options.budget,
      now: this.now,
      cores: () => this.cores,
      crashPolicy: {
        maxCrashes: options.maxCrashes ?? defaultCrashPolicy.maxCrashes,
        windowMs: options.crashWindowMs ?? defaultCrashPolicy.windowMs,
        backoffBaseMs: options.backoffBaseMs ?? defaultCrashPolicy.backoffBaseMs,
        backoffMaxMs: options.backoffMaxMs ?? defaultCrashPolicy.backoffMaxMs,
      },
      graceMs: options.graceMs ?? 5000,
      contextSize: options.contextSize ?? 1024,
      spareWorker: options.spareWorker ?? false,
      pagedStateDir: options.pagedStateDir,
      onChange: (reason) => this.changed(reason),
      onAlert: (alert) => options.onAlert?.(alert),
      onRoom: () => this.pump(),
      refuse: (modelId, error) => this.queue.rejectWhere((j) => j.model.id === modelId, error),
      waitedFor: () => this.queue.modelIds(),
    })
  }

  private get settings(): Settings {
    return this.options.settings()
  }

  private changed(reason: string): void {
    this.options.onChange?.(reason)
  }

  get cores(): number {
    return this.options.cores ?? os.availableParallelism()
  }

  /** Most memory ever counted against the budget at once (the paging test checks it). */
  get peakUsedBytes(): number {
    return this.workers.peakBytes
  }

  usedBytes(): number {
    return this.workers.usedBytes
  }

  // ---------------------------------------------------------------- the queue

  /** Run `run` on the model's worker once it is loaded and has a free sequence. */
  submit<T>(model: ModelRef, options: SubmitOptions, run: (ctx: RunContext) => Promise<T>): Promise<Scheduled<T>> {
    if (this.disposed) return Promise.reject(new WardenError('UNAVAILABLE', 'Warden is shutting down'))
    const slot = this.workers.slotFor(model)
    if (slot.state === 'quarantined') return Promise.reject(quarantineError(slot.model, slot.recentCrashes, slot.lastError))
    const settings = this.settings
    const timeoutMs = options.timeoutMs ?? settings.requestTimeoutMs
    this.workers.prepareSpares() // the first request starts them; then each one taken is replaced at once
    const queued = this.queue.add(model, { priority: options.priority, signal: options.signal, timeoutMs, loaded: !slot.serving, maxQueueSize: settings.maxQueueSize, maxQueuePerModel: settings.maxQueuePerModel }, run)
    this.pump()
    this.changed('queued')
    return queued
  }

  /** Load a model now (system priority); resolves when it is ready. */
  async load(model: ModelRef): Promise<ModelSlot> {
    await this.submit(model, { priority: 100 }, async () => undefined)
    return this.workers.slotFor(model)
  }

  /** Serve the queue in priority order: dispatch to loaded models, load (and page out) for the rest. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true
      return
    }
    this.pumping = true
    try {
      do {
        this.pumpAgain = false
        const jobs = this.queue.values()
        const actions = planQueue({
          requests: jobs.map((j) => this.workers.placementRequest(j.model)),
          models: this.workers.placed(),
          budget: this.options.budget(),
          maxWorkers: this.settings.maxConcurrentWorkers,
          parallelPerModel: this.settings.parallelRequestsPerModel,
        })
        for (const action of actions) this.carryOut(action, jobs[action.index])
      } while (this.pumpAgain)
    } finally {
      this.pumping = false
    }
  }

  private carryOut(action: QueueAction, job: Job): void {
    const slot = this.workers.slotFor(job.model)
    switch (action.kind) {
      case 'dispatch':
        return this.dispatch(job, slot)
      case 'start':
        return this.workers.start(slot)
      case 'page-out':
        job.evicted.push(...action.victims)
        return this.workers.pageOut(action.victims, `paged out for ${slot.model.name}`, true)
      case 'refuse':
        return this.queue.rejectWhere((j) => j.model.id === slot.model.id, refusalError(slot.model.name, action.refusal))
      case 'quarantined':
        return this.queue.rejectWhere((j) => j === job, quarantineError(slot.model, slot.recentCrashes, slot.lastError))
    }
  }

  private dispatch(job: Job, slot: WorkerLifecycle): void {
    const worker = slot.worker
    if (!worker || !this.queue.take(job)) return
    slot.beginRequest()
    const waitedMs = this.now() - job.enqueuedAt
    this.changed('busy')
    job
      .run({ worker, slot, signal: job.abort.signal })
      .then(
        (value) => {
          if (job.timedOut) job.reject(new WardenError('TIMEOUT', `${slot.model.name} did not finish within the request timeout`, { hint: 'Ask for fewer tokens, or raise requestTimeoutMs.' }))
          else job.resolve({ value, waitedMs, loaded: job.loaded, evicted: job.evicted })
        },
        (error) => {
          const e = WardenError.from(error)
          slot.requestFailed(worker, e)
          job.reject(e)
        },
      )
      .finally(() => {
        slot.endRequest()
        this.changed('idle')
        this.pump()
      })
  }

  // ---------------------------------------------------------------- actions

  private requireSlot(modelId: string): WorkerLifecycle {
    const slot = this.workers.get(modelId)
    if (!slot?.listed) throw new WardenError('NOT_FOUND', `No worker for ${modelId}`, { hint: 'See the running workers with: warden workers' })
    return slot
  }

  async unload(modelId: string): Promise<boolean> {
    const slot = this.workers.get(modelId)
    if (!slot) return false
    if (slot.reset('unloaded')) return true // a scheduled restart or a quarantine, dropped
    if (!slot.worker) return false
    if (slot.inFlight > 0) this.changed('unloading') // it finishes what it is doing, then exits
    await this.workers.unload(slot, 'unloaded')
    return true
  }

  async restart(model: ModelRef): Promise<ModelSlot> {
    await this.workers.slotFor(model).restartByHand()
    return this.load(model)
  }

  pin(modelId: string, pinned: boolean): ModelSlot {
    const slot = this.requireSlot(modelId)
    slot.setPinned(pinned)
    this.changed(pinned ? 'pinned' : 'unpinned')
    return slot
  }

  kill(modelId: string): number {
    return this.requireSlot(modelId).kill()
  }

  slot(modelId: string): ModelSlot | undefined {
    return this.workers.get(modelId)
  }

  isLoaded(modelId: string): boolean {
    return Boolean(this.workers.get(modelId)?.serving)
  }

  budget(): MemoryBudget {
    return { ...this.options.budget(), usedBytes: this.usedBytes() }
  }

  queueDepth(): number {
    return this.queue.size
  }

  /** Ask each running worker for its process memory (for the Workers page). */
  refreshStats(timeoutMs = 500): Promise<void> {
    return this.workers.refreshStats(timeoutMs)
  }

  /** Spare workers (started, holding no model), and the runtime's fixed cost per worker counted against the budget. */
  spares() {
    return { spares: this.workers.spareList(), runtime: this.workers.runtimeCost }
  }

  info(slot: ModelSlot): WorkerInfo {
    return this.workers.info(slot, this.queue.countFor(slot.model.id))
  }

  /** Workers to show: running ones, and those restarting or quarantined. */
  list(): WorkerInfo[] {
    return this.workers
      .all()
      .filter((s) => s.listed)
      .sort((a, b) => a.model.name.localeCompare(b.model.name))
      .map((s) => this.info(s))
  }

  /** Stop every worker (grace period, then kill) and refuse what is queued. */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    this.queue.rejectWhere(() => true, new WardenError('UNAVAILABLE', 'Warden is shutting down'))
    await this.workers.dispose()
  }
}
