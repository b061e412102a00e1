import * as os from 'node:os'
import type { MemoryBudget, Settings, WorkerInfo, WorkerState } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import { formatBytes } from '../../../shared/format'
import type { WorkerLogSink } from '../logging/WorkerLogs'
import type { WorkerLauncher } from '../workers/launcher'
import type { LoadResult } from '../workers/protocol'
import { threadsPerWorker } from '../workers/threads'
import { WorkerProcess } from '../workers/WorkerProcess'
import { PriorityQueue } from './PriorityQueue'
import { logger } from '../logging/processLog'

const log = logger('scheduler')

/** A model the scheduler can load: a file and what it is expected to take. */
export interface ModelRef {
  id: string
  name: string
  path: string
  /** Bytes it takes once loaded with `contextSize` × `sequences` (weights, KV cache, buffers). */
  estimateBytes: number
  /** Context tokens per sequence to load it with (the persona's setting); the scheduler's default otherwise. */
  contextSize?: number
}

type SlotState = WorkerState | 'unloaded'

/** One model's place in the scheduler: its worker (when loaded) and its history. */
export interface ModelSlot {
  model: ModelRef
  state: SlotState
  worker: WorkerProcess | null
  memoryBytes: number
  pinned: boolean
  inFlight: number
  lastUsedAt: number | null
  startedAt: number | null
  restarts: number
  crashes: number
  crashTimes: number[]
  lastError: string | null
  restartAt: number | null
  restartTimer: NodeJS.Timeout | null
  threads: number
  load: LoadResult | null
  tokensPerSecond: number | null
  tokensGenerated: number
  rssBytes: number | null
  /** Unload once the requests in flight are done. */
  unloadWhenIdle: boolean
}

export interface RunContext {
  worker: WorkerProcess
  slot: ModelSlot
  /** Aborted on cancel or timeout: stop generating and return what there is. */
  signal: AbortSignal
}

export interface SubmitOptions {
  priority: number
  signal?: AbortSignal
  timeoutMs?: number
}

export interface Scheduled<T> {
  value: T
  waitedMs: number
  /** The model had to be loaded (cold start or swap-in) for this request. */
  loaded: boolean
  /** Models paged out to make room for it. */
  evicted: string[]
}

interface Job {
  model: ModelRef
  priority: number
  run: (ctx: RunContext) => Promise<unknown>
  resolve: (value: Scheduled<unknown>) => void
  reject: (error: WardenError) => void
  enqueuedAt: number
  loaded: boolean
  evicted: string[]
  abort: AbortController
  timedOut: boolean
  cleanup: () => void
}

export interface SchedulerOptions {
  launcher: WorkerLauncher
  /** Where each worker's output goes, per model (logs/workers/). */
  workerLogs?: WorkerLogSink
  /** Current settings (read on every decision, so `config set` takes effect at once). */
  settings: () => Settings
  /** The budget without usage (detected GPU / RAM, or the maxVRAM setting). */
  budget: () => Omit<MemoryBudget, 'usedBytes'>
  onChange?: (reason: string) => void
  onAlert?: (alert: { level: 'info' | 'warning' | 'error'; title: string; message: string }) => void
  now?: () => number
  cores?: number
  /** Crashes within `crashWindowMs` that quarantine a model (VS Code: 3 in 5 minutes). */
  maxCrashes?: number
  crashWindowMs?: number
  /** Restart back-off: base doubling per recent crash, up to max. */
  backoffBaseMs?: number
  backoffMaxMs?: number
  /** Shutdown grace before SIGKILL. */
  graceMs?: number
  /** Context tokens per sequence that a worker is loaded with. */
  contextSize?: number
  /**
   * Keep one started, idle worker process ready (node-llama-cpp imported and initialised), so a
   * swap-in only loads the model. For long-running hosts (app, server); not for one CLI command.
   */
  spareWorker?: boolean
}

/**
 * The seed's AIResourceManager: a priority queue of requests, one worker process per loaded model,
 * LRU paging of idle models under a memory budget, per-model parallelism, crash restarts with
 * back-off and quarantine. A model with requests in flight, or pinned, is never paged out, and the
 * memory counted against the budget (reserved before a load starts, released when the process has
 * exited) never exceeds it.
 */
export class ModelScheduler {
  private readonly queue = new PriorityQueue<Job>()
  private readonly slots = new Map<string, ModelSlot>()
  private readonly now: () => number
  private idleTimer: NodeJS.Timeout
  private disposed = false
  private spare: WorkerProcess | null = null
  /** Most memory ever counted against the budget at once (the paging test checks it). */
  peakUsedBytes = 0

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? Date.now
    this.idleTimer = setInterval(() => this.unloadIdle(), 1000)
    this.idleTimer.unref()
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

  // ---------------------------------------------------------------- requests

  /** Run `run` on the model's worker once it is loaded and has a free sequence. */
  submit<T>(model: ModelRef, options: SubmitOptions, run: (ctx: RunContext) => Promise<T>): Promise<Scheduled<T>> {
    if (this.disposed) return Promise.reject(new WardenError('UNAVAILABLE', 'Warden is shutting down'))
    const slot = this.slotFor(model)
    if (slot.state === 'quarantined') return Promise.reject(this.quarantineError(slot))
    const max = this.settings.maxQueueSize
    if (this.queue.size >= max) {
      return Promise.reject(
        new WardenError('BUSY', `Warden is busy: ${this.queue.size} requests are already waiting (maxQueueSize ${max})`, {
          hint: 'Try again in a moment, or raise maxQueueSize (warden config set maxQueueSize N).',
        }),
      )
    }
    if (options.signal?.aborted) return Promise.reject(new WardenError('CANCELLED', 'The request was cancelled'))
    return new Promise<Scheduled<T>>((resolve, reject) => {
      const abort = new AbortController()
      const timeoutMs = options.timeoutMs ?? this.settings.requestTimeoutMs
      const job: Job = {
        model,
        priority: options.priority,
        run: run as (ctx: RunContext) => Promise<unknown>,
        resolve: resolve as (value: Scheduled<unknown>) => void,
        reject,
        enqueuedAt: this.now(),
        loaded: !(slot.state === 'ready' || slot.state === 'busy'),
        evicted: [],
        abort,
        timedOut: false,
        cleanup: () => undefined,
      }
      const timer = setTimeout(() => {
        job.timedOut = true
        if (this.queue.remove(job)) {
          job.cleanup()
          reject(new WardenError('TIMEOUT', `The request to ${model.name} waited ${Math.round(timeoutMs / 1000)} s without starting`, { hint: 'Warden is busy or the model is slow to load; try again, or raise requestTimeoutMs.' }))
          this.changed('timeout')
          this.pump()
        } else abort.abort()
      }, timeoutMs)
      timer.unref()
      const onCancel = () => {
        if (this.queue.remove(job)) {
          job.cleanup()
          reject(new WardenError('CANCELLED', `The request to ${model.name} was cancelled before it started`))
          this.changed('cancelled')
          this.pump()
        } else abort.abort()
      }
      options.signal?.addEventListener('abort', onCancel, { once: true })
      job.cleanup = () => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onCancel)
      }
      this.queue.push(job, options.priority)
      this.pump()
      this.changed('queued')
    })
  }

  /** Load a model now (system priority); resolves when it is ready. */
  async load(model: ModelRef): Promise<ModelSlot> {
    await this.submit(model, { priority: 100 }, async () => undefined)
    return this.slotFor(model)
  }

  private slotFor(model: ModelRef): ModelSlot {
    let slot = this.slots.get(model.id)
    if (!slot) {
      slot = {
        model,
        state: 'unloaded',
        worker: null,
        memoryBytes: 0,
        pinned: false,
        inFlight: 0,
        lastUsedAt: null,
        startedAt: null,
        restarts: 0,
        crashes: 0,
        crashTimes: [],
        lastError: null,
        restartAt: null,
        restartTimer: null,
        threads: 0,
        load: null,
        tokensPerSecond: null,
        tokensGenerated: 0,
        rssBytes: null,
        unloadWhenIdle: false,
      }
      this.slots.set(model.id, slot)
    } else if (!slot.worker) {
      slot.model = model // the file or its estimate may have changed while unloaded
    }
    return slot
  }

  private queuedFor(modelId: string): number {
    return this.queue.values().filter((j) => j.model.id === modelId).length
  }

  private live(): ModelSlot[] {
    return [...this.slots.values()].filter((s) => s.worker !== null)
  }

  usedBytes(): number {
    return this.live().reduce((sum, s) => sum + s.memoryBytes, 0)
  }

  private pumping = false
  private pumpAgain = false

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
        /** Priority of the first request waiting for memory: later ones must not keep models busy. */
        let blockedAt: number | null = null
        const pinnedIds = new Set(this.live().filter((x) => x.pinned).map((x) => x.model.id))
        for (const job of this.queue.values()) {
          const slot = this.slotFor(job.model)
          if (slot.state === 'quarantined') {
            this.queue.remove(job)
            job.cleanup()
            job.reject(this.quarantineError(slot))
            continue
          }
          if ((slot.state === 'ready' || slot.state === 'busy') && !slot.unloadWhenIdle) {
            if (slot.inFlight < this.settings.parallelRequestsPerModel && (blockedAt === null || pinnedIds.has(slot.model.id))) this.dispatch(job, slot)
            continue
          }
          if (slot.state === 'unloaded' && blockedAt === null) {
            const outcome = this.makeRoomAndLoad(slot, job)
            if (outcome === 'wait') blockedAt = job.priority
          }
        }
      } while (this.pumpAgain)
    } finally {
      this.pumping = false
    }
  }

  /**
   * Start loading `slot` if it fits; else page out idle models (least recently used first) and wait
   * for them to exit; or refuse a model that can never fit.
   */
  private makeRoomAndLoad(slot: ModelSlot, job: Job | null, allowEviction = true): 'started' | 'wait' | 'refused' {
    const budget = this.options.budget()
    const need = slot.model.estimateBytes
    const live = this.live()
    const pinnedBytes = live.filter((s) => s.pinned && s !== slot).reduce((sum, s) => sum + s.memoryBytes, 0)
    if (need > budget.totalBytes - pinnedBytes) {
      const error = new WardenError(
        'DOES_NOT_FIT',
        `${slot.model.name} needs about ${formatBytes(need)}, but the memory budget is ${formatBytes(budget.totalBytes)}${pinnedBytes ? ` and pinned models hold ${formatBytes(pinnedBytes)}` : ''} (${budget.description})`,
        { hint: pinnedBytes ? 'Unpin a model, or raise maxVRAM.' : 'Use a smaller model or quantization, a smaller context size, or raise maxVRAM if the machine has more memory.' },
      )
      for (const j of this.queue.values().filter((j) => j.model.id === slot.model.id)) {
        this.queue.remove(j)
        j.cleanup()
        j.reject(error)
      }
      if (!job) slot.lastError = error.message
      return 'refused'
    }
    const used = this.usedBytes()
    const stoppingBytes = live.filter((s) => s.state === 'stopping').reduce((sum, s) => sum + s.memoryBytes, 0)
    const running = live.length
    const stoppingCount = live.filter((s) => s.state === 'stopping').length
    const maxWorkers = this.settings.maxConcurrentWorkers
    const fits = (bytes: number, workers: number) => bytes + need <= budget.totalBytes && workers + 1 <= maxWorkers
    if (fits(used, running)) {
      this.startWorker(slot)
      return 'started'
    }
    if (!allowEviction) return 'wait'
    // Already freeing enough? Then just wait for those processes to exit.
    if (fits(used - stoppingBytes, running - stoppingCount)) return 'wait'
    // Models that requests ahead of this one in the queue wait for stay; later work does not protect them.
    const order = this.queue.values()
    const queued = new Set(order.slice(0, job ? Math.max(0, order.indexOf(job)) : 0).map((j) => j.model.id))
    const idle = live
      .filter((s) => s.state === 'ready' && s.inFlight === 0 && !s.pinned && !queued.has(s.model.id))
      .sort((a, b) => (a.lastUsedAt ?? 0) - (b.lastUsedAt ?? 0))
    const victims: ModelSlot[] = []
    let bytes = used - stoppingBytes
    let workers = running - stoppingCount
    for (const s of idle) {
      if (fits(bytes, workers)) break
      victims.push(s)
      bytes -= s.memoryBytes
      workers -= 1
    }
    if (!fits(bytes, workers)) return 'wait' // busy models will finish, then there is room
    for (const v of victims) {
      job?.evicted.push(v.model.id)
      void this.stopWorker(v, `paged out for ${slot.model.name}`)
    }
    return 'wait'
  }

  private dispatch(job: Job, slot: ModelSlot): void {
    const worker = slot.worker
    if (!worker) return
    this.queue.remove(job)
    slot.inFlight++
    slot.state = 'busy'
    slot.lastUsedAt = this.now()
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
        job.cleanup()
        slot.inFlight--
        slot.lastUsedAt = this.now()
        if (slot.state === 'busy' && slot.inFlight === 0) slot.state = 'ready'
        if (slot.unloadWhenIdle && slot.inFlight === 0 && slot.worker) void this.stopWorker(slot, 'unloaded')
        this.changed('idle')
        this.pump()
      })
  }

  // ---------------------------------------------------------------- worker lifecycle

  private threadsFor(liveCount: number): number {
    const fixed = this.settings.threadsPerWorker
    return fixed > 0 ? fixed : threadsPerWorker(liveCount, this.cores)
  }

  /** Share the cores among the running workers again (when one starts or stops). */
  private rebalanceThreads(): void {
    const t = this.threadsFor(this.live().length)
    for (const s of this.live()) {
      if (s.threads !== t && s.worker && (s.state === 'ready' || s.state === 'busy')) {
        s.threads = t
        const model = s.model.id
        s.worker.request<'setThreads'>({ type: 'setThreads', threads: t }).catch((error: unknown) => {
          // A worker exiting meanwhile is reported by its exit; anything else leaves it on the old count.
          if (!s.worker?.exited) log.warn(`Could not give the worker for ${model} ${t} threads`, { err: error })
        })
      }
    }
  }

  private startWorker(slot: ModelSlot): void {
    const settings = this.settings
    let worker: WorkerProcess
    if (this.spare && !this.spare.exited) {
      worker = this.spare
      worker.modelId = slot.model.id
    } else worker = new WorkerProcess(this.options.launcher, slot.model.id, settings.maxRAMPerWorker, this.options.workerLogs)
    this.spare = null
    slot.worker = worker
    slot.state = 'starting'
    slot.memoryBytes = slot.model.estimateBytes
    slot.startedAt = this.now()
    slot.lastUsedAt = this.now()
    slot.load = null
    slot.unloadWhenIdle = false
    slot.threads = this.threadsFor(this.live().length)
    this.peakUsedBytes = Math.max(this.peakUsedBytes, this.usedBytes())
    worker.onExit((info) => this.onWorkerExit(slot, worker, info))
    this.changed('starting')
    void (async () => {
      try {
        await worker.ready
        if (slot.worker !== worker) return
        slot.state = 'loading'
        this.changed('loading')
        const result = await worker.load({
          modelPath: slot.model.path,
          gpuLayers: settings.gpuLayers,
          sequences: settings.parallelRequestsPerModel,
          contextSize: slot.model.contextSize ?? this.options.contextSize ?? 1024,
          threads: slot.threads,
        })
        if (slot.worker !== worker) return
        slot.load = result
        // Count what it really takes when that is more than the estimate.
        const measured = result.gpu ? result.vramBytes : result.ramBytes
        slot.memoryBytes = Math.max(slot.memoryBytes, measured)
        slot.state = 'ready'
        this.trimToBudget(slot)
        slot.lastError = null
        this.peakUsedBytes = Math.max(this.peakUsedBytes, this.usedBytes())
        this.rebalanceThreads()
        this.changed('ready')
        this.pump()
        this.ensureSpare()
      } catch (error) {
        if (slot.worker !== worker || worker.exited) return // the exit handler deals with crashes
        // The model could not be loaded (a bad file): not a crash; refuse its requests.
        const e = WardenError.from(error)
        slot.lastError = e.message
        for (const j of this.queue.values().filter((j) => j.model.id === slot.model.id)) {
          this.queue.remove(j)
          j.cleanup()
          j.reject(e)
        }
        await this.stopWorker(slot, 'load failed')
      }
    })()
  }

  /** A model that took more than its estimate can push usage over the budget: page out idle ones. */
  private trimToBudget(keep: ModelSlot): void {
    const total = this.options.budget().totalBytes
    let used = this.live().filter((x) => x.state !== 'stopping').reduce((sum, x) => sum + x.memoryBytes, 0)
    const queued = new Set(this.queue.values().map((j) => j.model.id))
    const idle = this.live()
      .filter((x) => x !== keep && x.state === 'ready' && x.inFlight === 0 && !x.pinned && !queued.has(x.model.id))
      .sort((a, b) => (a.lastUsedAt ?? 0) - (b.lastUsedAt ?? 0))
    for (const victim of idle) {
      if (used <= total) break
      used -= victim.memoryBytes
      void this.stopWorker(victim, `paged out: ${keep.model.name} took more memory than estimated`)
    }
  }

  /** Start the spare worker when there is room for one more process (after a load, not during it). */
  private ensureSpare(): void {
    if (!this.options.spareWorker || this.disposed || this.spare) return
    if (this.live().length + 1 > this.settings.maxConcurrentWorkers) return
    const spare = new WorkerProcess(this.options.launcher, 'spare', this.settings.maxRAMPerWorker, this.options.workerLogs)
    spare.onExit(() => {
      if (this.spare === spare) this.spare = null
    })
    this.spare = spare
  }

  private async stopWorker(slot: ModelSlot, reason: string): Promise<void> {
    const worker = slot.worker
    if (!worker) return
    slot.state = 'stopping'
    this.changed(reason)
    await worker.shutdown(this.options.graceMs ?? 5000)
  }

  private onWorkerExit(slot: ModelSlot, worker: WorkerProcess, info: { expected: boolean; description: string }): void {
    if (slot.worker !== worker) return
    slot.worker = null
    slot.memoryBytes = 0
    slot.load = null
    slot.rssBytes = null
    if (info.expected || this.disposed) {
      slot.state = 'unloaded'
      this.rebalanceThreads()
      this.changed('unloaded')
      this.pump()
      return
    }
    const now = this.now()
    slot.crashes++
    slot.crashTimes = [...slot.crashTimes, now].filter((t) => now - t <= (this.options.crashWindowMs ?? 5 * 60_000))
    slot.lastError = `The worker ${info.description}`
    if (slot.crashTimes.length >= (this.options.maxCrashes ?? 3)) {
      slot.state = 'quarantined'
      slot.restartAt = null
      this.options.onAlert?.({
        level: 'error',
        title: `${slot.model.name} quarantined`,
        message: `Its worker crashed ${slot.crashTimes.length} times in ${Math.round((this.options.crashWindowMs ?? 300_000) / 60_000)} minutes (last: ${info.description}). Warden stopped restarting it; restart it by hand once the cause is fixed.`,
      })
      this.changed('quarantined')
      this.pump() // rejects its queued requests
      return
    }
    const delay = Math.min((this.options.backoffBaseMs ?? 1000) * 2 ** (slot.crashTimes.length - 1), this.options.backoffMaxMs ?? 30_000)
    slot.state = 'restarting'
    slot.restartAt = now + delay
    this.options.onAlert?.({ level: 'warning', title: `${slot.model.name} worker crashed`, message: `It ${info.description}; restarting in ${Math.round(delay / 100) / 10} s.` })
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null
      slot.restartAt = null
      if (slot.state !== 'restarting' || this.disposed) return
      slot.state = 'unloaded'
      slot.restarts++
      // Reload now if it fits without paging anything out; else the next request for it loads it.
      this.makeRoomAndLoad(slot, null, false)
      this.changed('restarted')
      this.pump()
    }, delay)
    this.rebalanceThreads()
    this.changed('crashed')
    this.pump()
  }

  private quarantineError(slot: ModelSlot): WardenError {
    return new WardenError('QUARANTINED', `${slot.model.name} is quarantined: its worker crashed ${slot.crashTimes.length} times in a short time (${slot.lastError ?? 'unknown cause'})`, {
      hint: `Fix the cause (the model file, memory), then restart it: warden worker restart ${slot.model.id}`,
    })
  }

  private unloadIdle(): void {
    const minutes = this.settings.idleUnloadMinutes
    if (!minutes) return
    const queued = new Set(this.queue.values().map((j) => j.model.id))
    for (const s of this.live()) {
      if (s.state === 'ready' && s.inFlight === 0 && !s.pinned && !queued.has(s.model.id) && this.now() - (s.lastUsedAt ?? 0) > minutes * 60_000) {
        void this.stopWorker(s, `idle for ${minutes} min`)
      }
    }
  }

  // ---------------------------------------------------------------- actions

  private requireSlot(modelId: string): ModelSlot {
    const slot = this.slots.get(modelId)
    if (!slot || (!slot.worker && slot.state !== 'quarantined' && slot.state !== 'restarting')) {
      throw new WardenError('NOT_FOUND', `No worker for ${modelId}`, { hint: 'See the running workers with: warden workers' })
    }
    return slot
  }

  async unload(modelId: string): Promise<boolean> {
    const slot = this.slots.get(modelId)
    if (!slot) return false
    if (slot.restartTimer) clearTimeout(slot.restartTimer)
    if (slot.state === 'restarting' || slot.state === 'quarantined') {
      slot.state = 'unloaded'
      slot.restartAt = null
      slot.restartTimer = null
      slot.crashTimes = []
      this.pump()
      this.changed('unloaded')
      return true
    }
    if (!slot.worker) return false
    if (slot.inFlight > 0) {
      // Finish what it is doing, then exit.
      slot.unloadWhenIdle = true
      this.changed('unloading')
      await new Promise<void>((resolve) => slot.worker?.onExit(() => resolve()))
      return true
    }
    await this.stopWorker(slot, 'unloaded')
    return true
  }

  async restart(model: ModelRef): Promise<ModelSlot> {
    const slot = this.slotFor(model)
    if (slot.restartTimer) clearTimeout(slot.restartTimer)
    slot.restartTimer = null
    slot.restartAt = null
    slot.crashTimes = []
    if (slot.state === 'quarantined' || slot.state === 'restarting') slot.state = 'unloaded'
    if (slot.worker) await this.stopWorker(slot, 'restarting')
    slot.restarts++
    return this.load(model)
  }

  pin(modelId: string, pinned: boolean): ModelSlot {
    const slot = this.requireSlot(modelId)
    slot.pinned = pinned
    this.changed(pinned ? 'pinned' : 'unpinned')
    return slot
  }

  kill(modelId: string): number {
    const slot = this.requireSlot(modelId)
    const pid = slot.worker?.pid
    if (!slot.worker || pid === undefined) throw new WardenError('CONFLICT', `The worker for ${modelId} is not running`)
    slot.worker.kill()
    return pid
  }

  slot(modelId: string): ModelSlot | undefined {
    return this.slots.get(modelId)
  }

  isLoaded(modelId: string): boolean {
    const s = this.slots.get(modelId)
    return Boolean(s?.worker && (s.state === 'ready' || s.state === 'busy'))
  }

  budget(): MemoryBudget {
    return { ...this.options.budget(), usedBytes: this.usedBytes() }
  }

  queueDepth(): number {
    return this.queue.size
  }

  /** Ask each running worker for its process memory (for the Workers page). */
  async refreshStats(timeoutMs = 500): Promise<void> {
    await Promise.all(
      this.live().map(async (s) => {
        if (!s.worker || s.state === 'starting') return
        // A worker that is exiting, or too busy to answer in time, shows its last reading.
        const stats = await Promise.race([s.worker.request<'stats'>({ type: 'stats' }), new Promise<null>((r) => setTimeout(() => r(null), timeoutMs).unref())]).catch(() => null)
        if (stats) s.rssBytes = stats.rssBytes
      }),
    )
  }

  info(slot: ModelSlot): WorkerInfo {
    const queued = this.queuedFor(slot.model.id)
    return {
      modelId: slot.model.id,
      modelName: slot.model.name,
      pid: slot.worker?.pid ?? null,
      state: slot.state === 'unloaded' ? 'stopping' : slot.state,
      memoryBytes: slot.memoryBytes,
      rssBytes: slot.rssBytes,
      device: slot.load?.gpu ? 'gpu' : 'cpu',
      threads: slot.threads,
      tokensPerSecond: slot.tokensPerSecond,
      tokensGenerated: slot.tokensGenerated,
      inFlight: slot.inFlight,
      queued,
      restarts: slot.restarts,
      crashes: slot.crashes,
      pinned: slot.pinned,
      startedAt: slot.worker ? slot.startedAt : null,
      lastUsedAt: slot.lastUsedAt,
      lastError: slot.lastError,
      restartAt: slot.restartAt,
    }
  }

  /** Workers to show: running ones, and those restarting or quarantined. */
  list(): WorkerInfo[] {
    return [...this.slots.values()]
      .filter((s) => s.worker || s.state === 'restarting' || s.state === 'quarantined')
      .sort((a, b) => a.model.name.localeCompare(b.model.name))
      .map((s) => this.info(s))
  }

  /** Stop every worker (grace period, then kill) and refuse what is queued. */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    clearInterval(this.idleTimer)
    for (const job of this.queue.values()) {
      this.queue.remove(job)
      job.cleanup()
      job.reject(new WardenError('UNAVAILABLE', 'Warden is shutting down'))
    }
    for (const s of this.slots.values()) if (s.restartTimer) clearTimeout(s.restartTimer)
    const spare = this.spare
    this.spare = null
    await Promise.all([...this.live().map((s) => s.worker!.shutdown(this.options.graceMs ?? 5000)), spare?.shutdown(this.options.graceMs ?? 5000)])
  }
}
