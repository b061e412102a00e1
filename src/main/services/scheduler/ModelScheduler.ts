import * as os from 'node:os'
import type { MemoryBudget, Settings, WorkerInfo } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import type { WorkerLauncher } from '../workers/launcher'
import { threadsPerWorker } from '../workers/threads'
import { crashAlert, defaultCrashPolicy, quarantineError, type Alert, type CrashPolicy } from './crashPolicy'
import { isLive } from './lifecycleStates'
import { MemoryLedger } from './MemoryLedger'
import { planIdleUnload, planPlacement, planTrim, refusalError, type PlacementRequest } from './placement'
import { planQueue, type QueueAction } from './queuePlan'
import { RequestQueue, type Job } from './RequestQueue'
import { SparePool } from './SparePool'
import type { ModelRef, RunContext, Scheduled, SubmitOptions } from './types'
import { WorkerLifecycle, type StateChange } from './WorkerLifecycle'

export type { ModelRef, RunContext, Scheduled, SubmitOptions } from './types'
/** One model's place in the scheduler: its worker's lifecycle, state and history. */
export type ModelSlot = WorkerLifecycle

export interface SchedulerOptions {
  launcher: WorkerLauncher
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
   * Keep one started, idle worker process ready (node-llama-cpp imported and initialised), so a
   * swap-in only loads the model. For long-running hosts (app, server); not for one CLI command.
   */
  spareWorker?: boolean
}

/** What a model needs placed: its estimate (the genome issue adds its adapters as `extraBytes`). */
function placementRequest(model: ModelRef): PlacementRequest {
  return { modelId: model.id, modelBytes: model.estimateBytes }
}

/**
 * The seed's AIResourceManager, as a facade over its parts: the request queue (`RequestQueue`),
 * pure placement (`placement.ts`, `queuePlan.ts`) and crash (`crashPolicy.ts`) decisions, one
 * lifecycle per model (`WorkerLifecycle`), the spare worker (`SparePool`) and memory reservations
 * (`MemoryLedger`). It serves the queue in order and carries out what the plans decide; a model with
 * requests in flight, or pinned, is never paged out, and the memory reserved (before a load starts,
 * released when its process has exited) never exceeds the budget.
 */
export class ModelScheduler {
  private readonly queue: RequestQueue
  private readonly slots = new Map<string, WorkerLifecycle>()
  private readonly ledger = new MemoryLedger()
  private readonly spares: SparePool
  private readonly crashPolicy: CrashPolicy
  private readonly now: () => number
  private readonly idleTimer: NodeJS.Timeout
  private disposed = false
  private pumping = false
  private pumpAgain = false

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? Date.now
    this.queue = new RequestQueue(this.now, (reason) => {
      this.changed(reason)
      this.pump()
    })
    this.spares = new SparePool({ launcher: options.launcher, maxRamMb: () => this.settings.maxRAMPerWorker, enabled: options.spareWorker })
    this.crashPolicy = {
      maxCrashes: options.maxCrashes ?? defaultCrashPolicy.maxCrashes,
      windowMs: options.crashWindowMs ?? defaultCrashPolicy.windowMs,
      backoffBaseMs: options.backoffBaseMs ?? defaultCrashPolicy.backoffBaseMs,
      backoffMaxMs: options.backoffMaxMs ?? defaultCrashPolicy.backoffMaxMs,
    }
    this.idleTimer = setInterval(() => this.unloadIdle(), 1000)
    this.idleTimer.unref()
  }

  private get settings(): Settings {
    return this.options.settings()
  }

  private get graceMs(): number {
    return this.options.graceMs ?? 5000
  }

  private changed(reason: string): void {
    this.options.onChange?.(reason)
  }

  get cores(): number {
    return this.options.cores ?? os.availableParallelism()
  }

  /** Most memory ever counted against the budget at once (the paging test checks it). */
  get peakUsedBytes(): number {
    return this.ledger.peakBytes
  }

  usedBytes(): number {
    return this.ledger.usedBytes
  }

  // ---------------------------------------------------------------- requests

  /** Run `run` on the model's worker once it is loaded and has a free sequence. */
  submit<T>(model: ModelRef, options: SubmitOptions, run: (ctx: RunContext) => Promise<T>): Promise<Scheduled<T>> {
    if (this.disposed) return Promise.reject(new WardenError('UNAVAILABLE', 'Warden is shutting down'))
    const slot = this.slotFor(model)
    if (slot.state === 'quarantined') return Promise.reject(quarantineError(slot.model, slot.recentCrashes, slot.lastError))
    const settings = this.settings
    const queued = this.queue.add(model, { priority: options.priority, signal: options.signal, timeoutMs: options.timeoutMs ?? settings.requestTimeoutMs, loaded: !slot.serving, maxQueueSize: settings.maxQueueSize }, run)
    this.pump()
    this.changed('queued')
    return queued
  }

  /** Load a model now (system priority); resolves when it is ready. */
  async load(model: ModelRef): Promise<ModelSlot> {
    await this.submit(model, { priority: 100 }, async () => undefined)
    return this.slotFor(model)
  }

  private slotFor(model: ModelRef): WorkerLifecycle {
    let slot = this.slots.get(model.id)
    if (!slot) {
      slot = new WorkerLifecycle(model, { now: this.now, crashPolicy: this.crashPolicy, graceMs: this.graceMs })
      this.watch(slot)
      this.slots.set(model.id, slot)
    } else slot.retarget(model) // the file or its estimate may have changed while unloaded
    return slot
  }

  private live(): WorkerLifecycle[] {
    return [...this.slots.values()].filter((s) => isLive(s.state))
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
          requests: jobs.map((j) => placementRequest(j.model)),
          models: [...this.slots.values()].map((s) => s.placed()),
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
    const slot = this.slotFor(job.model)
    switch (action.kind) {
      case 'dispatch':
        return this.dispatch(job, slot)
      case 'start':
        return this.startWorker(slot)
      case 'page-out':
        job.evicted.push(...action.victims)
        for (const id of action.victims) void this.slots.get(id)?.stop(`paged out for ${slot.model.name}`)
        return
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
        (error) => job.reject(WardenError.from(error)),
      )
      .finally(() => {
        slot.endRequest()
        this.changed('idle')
        this.pump()
      })
  }

  // ---------------------------------------------------------------- workers

  private threadsFor(liveCount: number): number {
    const fixed = this.settings.threadsPerWorker
    return fixed > 0 ? fixed : threadsPerWorker(liveCount, this.cores)
  }

  /** Share the cores among the running workers again (when one starts or stops). */
  private rebalanceThreads(): void {
    const live = this.live()
    const threads = this.threadsFor(live.length)
    for (const s of live) s.setThreads(threads)
  }

  private startWorker(slot: WorkerLifecycle): void {
    const settings = this.settings
    const request = placementRequest(slot.model)
    const worker = this.spares.take(slot.model.id)
    const reservation = this.ledger.reserve(request.modelBytes + (request.extraBytes ?? 0), slot.model.id)
    slot.start(worker, reservation, {
      modelPath: slot.model.path,
      gpuLayers: settings.gpuLayers,
      sequences: settings.parallelRequestsPerModel,
      contextSize: slot.model.contextSize ?? this.options.contextSize ?? 1024,
      threads: this.threadsFor(this.live().length + 1),
    })
  }

  /** React to what a model's lifecycle reports. */
  private watch(slot: WorkerLifecycle): void {
    slot.onDidChangeState((e) => this.onStateChange(slot, e))
    slot.onDidCrash(({ description, verdict }) => this.options.onAlert?.(crashAlert(slot.model.name, description, verdict, this.crashPolicy)))
    slot.onDidFailLoad((error) => this.queue.rejectWhere((j) => j.model.id === slot.model.id, error))
    slot.onDidBecomeDueForRestart(() => this.restartAfterBackoff(slot))
  }

  private onStateChange(slot: WorkerLifecycle, e: StateChange): void {
    // Requests report their own start and end ('busy', 'idle'); `crashed` is reported by the state that follows it.
    const quiet = (e.from === 'ready' && e.to === 'busy') || (e.from === 'busy' && e.to === 'ready') || e.to === 'crashed'
    if (e.to === 'ready' && e.from === 'loading') this.trimToBudget(slot)
    if (isLive(e.from) !== isLive(e.to) || (e.from === 'loading' && e.to === 'ready')) this.rebalanceThreads()
    if (!quiet) this.changed(e.reason)
    if (quiet || this.disposed) return
    this.pump()
    if (e.to === 'ready') this.spares.replenish(this.live().length + 1 <= this.settings.maxConcurrentWorkers)
  }

  /** After a crash's back-off: reload now if it fits without paging anything out; else the next request for it loads it. */
  private restartAfterBackoff(slot: WorkerLifecycle): void {
    if (this.disposed || slot.state !== 'stopped') return // a queued request started it already
    const decision = planPlacement({
      budget: this.options.budget(),
      maxWorkers: this.settings.maxConcurrentWorkers,
      models: [...this.slots.values()].map((s) => s.placed()),
      request: placementRequest(slot.model),
      allowPageOut: false,
    })
    if (decision.kind === 'start') this.startWorker(slot)
    if (decision.kind === 'refuse') {
      const error = refusalError(slot.model.name, decision.refusal)
      slot.reportError(error.message)
      this.queue.rejectWhere((j) => j.model.id === slot.model.id, error)
    }
    this.pump()
  }

  /** A model that took more than its estimate can push usage over the budget: page out idle ones. */
  private trimToBudget(keep: WorkerLifecycle): void {
    const victims = planTrim({ totalBytes: this.options.budget().totalBytes, models: this.live().map((s) => s.placed()), keepId: keep.model.id, protectedIds: this.queue.modelIds() })
    for (const id of victims) void this.slots.get(id)?.stop(`paged out: ${keep.model.name} took more memory than estimated`)
  }

  private unloadIdle(): void {
    const minutes = this.settings.idleUnloadMinutes
    const idle = planIdleUnload({ models: this.live().map((s) => s.placed()), protectedIds: this.queue.modelIds(), now: this.now(), idleMs: minutes * 60_000 })
    for (const id of idle) void this.slots.get(id)?.stop(`idle for ${minutes} min`)
  }

  // ---------------------------------------------------------------- actions

  private requireSlot(modelId: string): WorkerLifecycle {
    const slot = this.slots.get(modelId)
    if (!slot?.listed) throw new WardenError('NOT_FOUND', `No worker for ${modelId}`, { hint: 'See the running workers with: warden workers' })
    return slot
  }

  async unload(modelId: string): Promise<boolean> {
    const slot = this.slots.get(modelId)
    if (!slot) return false
    if (slot.reset('unloaded')) return true // a scheduled restart or a quarantine, dropped
    if (!slot.worker) return false
    if (slot.inFlight > 0) this.changed('unloading') // it finishes what it is doing, then exits
    await slot.stopWhenIdle('unloaded')
    return true
  }

  async restart(model: ModelRef): Promise<ModelSlot> {
    await this.slotFor(model).restartByHand()
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
    return this.slots.get(modelId)
  }

  isLoaded(modelId: string): boolean {
    return Boolean(this.slots.get(modelId)?.serving)
  }

  budget(): MemoryBudget {
    return { ...this.options.budget(), usedBytes: this.usedBytes() }
  }

  queueDepth(): number {
    return this.queue.size
  }

  /** Ask each running worker for its process memory (for the Workers page). */
  async refreshStats(timeoutMs = 500): Promise<void> {
    await Promise.all(this.live().map((s) => s.refreshStats(timeoutMs)))
  }

  info(slot: ModelSlot): WorkerInfo {
    return slot.info(this.queue.countFor(slot.model.id))
  }

  /** Workers to show: running ones, and those restarting or quarantined. */
  list(): WorkerInfo[] {
    return [...this.slots.values()]
      .filter((s) => s.listed)
      .sort((a, b) => a.model.name.localeCompare(b.model.name))
      .map((s) => this.info(s))
  }

  /** Stop every worker (grace period, then kill) and refuse what is queued. */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    clearInterval(this.idleTimer)
    this.queue.rejectWhere(() => true, new WardenError('UNAVAILABLE', 'Warden is shutting down'))
    for (const s of this.slots.values()) s.dispose()
    await Promise.all([...this.live().map((s) => s.stop('shutting down')), this.spares.dispose(this.graceMs)])
  }
}
