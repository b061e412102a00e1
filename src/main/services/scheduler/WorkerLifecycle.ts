import { WardenError } from '../../../shared/errors'
import type { LoadResult, UnloadResult } from '../workers/protocol'
import type { WorkerProcess } from '../workers/WorkerProcess'
import { CrashHistory, type CrashVerdict } from './crashPolicy'
import { Emitter } from '../events/Emitter'
import { assertTransition, isLive, type LifecycleOptions, type LifecycleState, type LoadOptions, type StateChange, type WorkerHistory } from './lifecycleStates'
import type { MemoryReservation } from './MemoryLedger'
import type { PlacedModel } from './placement'
import type { ModelRef } from './types'
import { logger } from '../logging/processLog'

const log = logger('scheduler')

/**
 * Asked by a lifecycle that stops its process (a page-out, an unload): keep the process, its model
 * unloaded in it, as a spare worker instead of ending it?
 */
export interface ProcessKeeper {
  /** Whether a spare is wanted now (asked before the model is unloaded). */
  wanted(): boolean
  /**
   * Take the process, whose model was unloaded (`after`: what it holds now), with the model's
   * reservation. False when it is not worth keeping (it held on to memory): it is ended then.
   */
  adopt(worker: WorkerProcess, reservation: MemoryReservation, after: UnloadResult, load: LoadResult): boolean
}

/** Errors that are the request's own (bad input, cancelled, timed out): its worker is as good as before. */
const requestOwnErrors: ReadonlySet<string> = new Set(['INVALID_INPUT', 'CANCELLED', 'TIMEOUT', 'NOT_FOUND', 'BUSY'])

/**
 * One model's worker, across the processes it gets over time: a state machine (see
 * `lifecycleStates.ts`) driven by commands (start, stop, begin/end a request) and by its process's
 * events, raising `onDid…` events for the scheduler. Its state is never set from outside. It owns
 * the memory reservation of its current process and releases it when that process has exited.
 */
export class WorkerLifecycle {
  private current: LifecycleState = 'stopped'
  private ref: ModelRef
  private process: WorkerProcess | null = null
  private reservation: MemoryReservation | null = null
  private requests = 0
  private drainReason: string | null = null
  private drainKeeper: ProcessKeeper | undefined
  /** The model is being unloaded in the process to keep it as a spare; `endNow`: a plain stop came meanwhile. */
  private keeping = false
  private endNow = false
  /** A request on the current process failed with an error not its own: the process is not kept as a spare. */
  private tainted = false
  /** Resolved when the current process is no longer this model's (it exited, or was kept as a spare). */
  private gone: Promise<void> = Promise.resolve()
  private markGone: () => void = () => undefined
  private restartTimer: NodeJS.Timeout | null = null
  private disposed = false
  private readonly crashHistory: CrashHistory
  private loaded: LoadResult | null = null
  private _threads = 0
  private _pinned = false
  private readonly past: WorkerHistory = { startedAt: null, lastUsedAt: null, restarts: 0, crashes: 0, lastError: null, restartAt: null }
  private readonly attached = new Map<string, number>()

  /** Tokens per second of the last generation, and tokens generated in all (kept by whoever generates). */
  tokensPerSecond: number | null = null
  tokensGenerated = 0
  /** Resident memory of the process, as last measured (after loading, and by `refreshStats`). */
  rssBytes: number | null = null
  private predicted = 0
  private measured: number | null = null
  /** What the last load of the model cost (see `learnedBytes`), for loads like that one's (`key`). */
  private learned: { key: string; bytes: number } | null = null
  private loadKey = ''

  private readonly stateChanged = new Emitter<StateChange>()
  private readonly crashed = new Emitter<{ description: string; verdict: CrashVerdict }>()
  private readonly loadFailed = new Emitter<WardenError>()
  private readonly restartDue = new Emitter<void>()
  /** Every state change, after the lifecycle's own bookkeeping (memory, counters) is done. */
  readonly onDidChangeState = this.stateChanged.event
  /** A crash, with the policy's verdict, before it enters `restarting` or `quarantined`. */
  readonly onDidCrash = this.crashed.event
  /** The model could not be loaded (a bad file): not a crash; the worker is stopped next. */
  readonly onDidFailLoad = this.loadFailed.event
  /** The back-off after a crash is over: the model is `stopped` and may be started again. */
  readonly onDidBecomeDueForRestart = this.restartDue.event

  constructor(
    model: ModelRef,
    private readonly options: LifecycleOptions,
  ) {
    this.ref = model
    this.crashHistory = new CrashHistory(options.crashPolicy, options.now)
  }

  get model(): ModelRef {
    return this.ref
  }
  get state(): LifecycleState {
    return this.current
  }
  get worker(): WorkerProcess | null {
    return this.process
  }
  /** Bytes counted against the budget: the prediction until loaded, then what was measured. */
  get memoryBytes(): number {
    return this.reservation?.bytes ?? 0
  }
  /** What was predicted before loading: the file's estimate and the runtime's fixed cost per worker. */
  get predictedBytes(): number {
    return this.process ? this.predicted : 0
  }
  /**
   * What the loaded worker was measured to take: its VRAM on a GPU; on the CPU its resident memory
   * (at least what llama.cpp allocated, as the weights are paged in on use). Null until loaded.
   */
  get measuredBytes(): number | null {
    return this.measured
  }
  /** Unloading its model to keep the process as a spare. */
  get keepingProcess(): boolean {
    return this.keeping
  }
  /**
   * What loading the model as `key` says (see `start`) cost the last time, without the runtime: its
   * VRAM on a GPU; on the CPU the worker's resident memory just after the load less just before it
   * (at least what llama.cpp allocated). Measured right after the load, never later: what a process
   * grows to while serving (a large request's JavaScript heap, say) is counted for that process
   * while it lives (`measure`), but is not what the model needs the next time. Null if never loaded.
   */
  learnedBytes(key: string): number | null {
    return this.learned?.key === key ? this.learned.bytes : null
  }
  get inFlight(): number {
    return this.requests
  }
  get load(): LoadResult | null {
    return this.loaded
  }
  get threads(): number {
    return this._threads
  }
  get pinned(): boolean {
    return this._pinned
  }
  get history(): Readonly<WorkerHistory> {
    return this.past
  }
  get lastError(): string | null {
    return this.past.lastError
  }
  /** Loaded and able to take requests. */
  get serving(): boolean {
    return this.process !== null && (this.current === 'ready' || this.current === 'busy')
  }
  /**
   * What the process holds on top of the model, by id, with its bytes. Empty today: the genome issue
   * loads adapter sets and a persona's checkpoint here (growing the reservation by their bytes). A
   * new process starts bare, so it is cleared when the process exits.
   */
  get attachments(): ReadonlyMap<string, number> {
    return this.attached
  }

  /** A new file or estimate for the model; taken only while no process runs (it applies from the next start). */
  retarget(model: ModelRef): void {
    if (!this.process) this.ref = model
  }

  setPinned(pinned: boolean): void {
    this._pinned = pinned
  }

  /** Note an error for the person (e.g. the model was refused after a restart). */
  reportError(message: string): void {
    this.past.lastError = message
  }

  /**
   * Put `worker` (just started, or a spare) to use for this model, holding `reservation` until it
   * exits; `key` names how it is loaded (file, settings), for what is learned by measuring it.
   */
  start(worker: WorkerProcess, reservation: MemoryReservation, key: string, load: LoadOptions): void {
    assertTransition(this.ref.id, this.current, 'starting')
    this.loadKey = key
    this.process = worker
    this.reservation = reservation
    this.predicted = reservation.bytes
    this.measured = null
    this.past.startedAt = this.options.now()
    this.past.lastUsedAt = this.past.startedAt
    this.loaded = null
    this.drainReason = null
    this.tainted = false
    this.gone = new Promise((resolve) => (this.markGone = resolve))
    this._threads = load.threads
    worker.onExit((info) => {
      // An illegal transition is a bug; in a process's exit handler it must not take the app down with it.
      try {
        this.onExit(worker, info)
      } catch (error) {
        log.error(`Worker lifecycle of ${this.ref.id} after its process exited`, { err: error })
      }
    })
    this.transition('starting', 'starting')
    void this.bringUp(worker, load)
  }

  private async bringUp(worker: WorkerProcess, load: LoadOptions): Promise<void> {
    const stale = (state: LifecycleState) => this.process !== worker || this.current !== state
    // A process that exits early is reported by the exit handler, not here.
    if (!(await worker.ready.then(() => true, () => false)) || stale('starting')) return
    this.transition('loading', 'loading')
    let result: LoadResult
    try {
      result = await worker.load(load)
    } catch (error) {
      if (worker.exited || stale('loading')) return
      const e = WardenError.from(error)
      this.past.lastError = e.message
      this.loadFailed.fire(e)
      await this.stop('load failed')
      return
    }
    if (stale('loading')) return
    this.loaded = result
    const cost = result.gpu ? (result.vramBytes > 0 ? result.vramBytes : null) : Math.max(result.rssAfterBytes - result.rssBeforeBytes, result.ramBytes)
    if (cost !== null) this.learned = { key: this.loadKey, bytes: cost }
    // Count what it really takes (the worker's resident memory on the CPU), not the prediction.
    const stats = result.gpu ? null : await worker.request<'stats'>({ type: 'stats' }).catch(() => null)
    if (stale('loading')) return
    this.measure(stats?.rssBytes ?? null)
    this.past.lastError = null
    this.transition('ready', 'ready')
  }

  /**
   * Count what the loaded worker takes from now on: VRAM on a GPU (as llama.cpp reported at load);
   * on the CPU its resident memory `rssBytes`, at least what llama.cpp allocated for the model and
   * its context (mapped weights become resident as they are used). `adapterBytes` (the worker's
   * stats: LoRA adapter weights loaded and their contexts' state) is added to the VRAM reading and
   * to llama.cpp's own figure; the resident memory already holds it on the CPU.
   */
  measure(rssBytes: number | null, adapterBytes = 0): void {
    if (rssBytes !== null) this.rssBytes = rssBytes
    const load = this.loaded
    if (!load || !this.reservation) return
    const bytes = load.gpu ? (load.vramBytes > 0 ? load.vramBytes + adapterBytes : null) : this.rssBytes !== null ? Math.max(this.rssBytes, load.ramBytes + adapterBytes) : null
    if (bytes === null) return
    this.measured = bytes
    this.reservation.resizeTo(bytes)
  }

  /** The process is no longer this model's: it exited, or it was kept as a spare (taking the reservation with it). */
  private detach(): void {
    this.process = null
    this.reservation = null
    this.loaded = null
    this.rssBytes = null
    this.measured = null
    this.drainReason = null
    this.drainKeeper = undefined
    this.attached.clear()
    this.markGone()
  }

  private onExit(worker: WorkerProcess, info: { expected: boolean; description: string }): void {
    if (this.process !== worker) return
    this.reservation?.release() // the process has exited: what it held is free
    this.detach()
    if (info.expected) return this.transition('stopped', 'unloaded')
    this.past.crashes++
    this.past.lastError = `The worker ${info.description}`
    this.transition('crashed', 'crashed')
    if (this.disposed) return this.transition('stopped', 'unloaded')
    const verdict = this.crashHistory.record()
    this.crashed.fire({ description: info.description, verdict })
    if (verdict.action === 'quarantine') {
      this.past.restartAt = null
      return this.transition('quarantined', 'quarantined')
    }
    this.past.restartAt = this.options.now() + verdict.delayMs
    this.restartTimer = setTimeout(() => this.backoffOver(), verdict.delayMs)
    this.transition('restarting', 'crashed')
  }

  private backoffOver(): void {
    this.restartTimer = null
    this.past.restartAt = null
    if (this.current !== 'restarting' || this.disposed) return
    this.past.restarts++
    this.transition('stopped', 'restarted')
    this.restartDue.fire()
  }

  /** A request starts on this worker (it must be serving). */
  beginRequest(): void {
    if (!this.serving) assertTransition(this.ref.id, this.current, 'busy')
    this.requests++
    this.past.lastUsedAt = this.options.now()
    if (this.current === 'ready') this.transition('busy', 'busy')
  }

  /**
   * A request on `worker` failed. Unless the error is the request's own (bad input, cancelled, timed
   * out), the process is not kept as a spare when the model is unloaded: it is ended.
   */
  requestFailed(worker: WorkerProcess, error: WardenError): void {
    if (worker === this.process && !requestOwnErrors.has(error.code)) this.tainted = true
  }

  /** A request ended (it may have been running on a process that has since crashed). */
  endRequest(): void {
    if (this.requests === 0) throw new Error(`endRequest without a request in flight on ${this.ref.id}`)
    this.requests--
    this.past.lastUsedAt = this.options.now()
    if (this.requests > 0) return
    if (this.current === 'busy') this.transition('ready', 'idle')
    if (this.drainReason !== null && this.process) void this.stop(this.drainReason, this.drainKeeper)
  }

  /**
   * Stop serving the model: ask the process to exit (killed after the grace period), or, when
   * `keeper` wants a spare, unload the model inside it and hand the process over as a spare. Only a
   * healthy process is kept (loaded, no failed request, not exiting); one whose unload fails or
   * takes longer than the grace period is ended. Resolves once the process is no longer this model's.
   */
  async stop(reason: string, keeper?: ProcessKeeper): Promise<void> {
    const worker = this.process
    if (!worker) return
    if (this.current !== 'stopping') this.transition('stopping', reason)
    if (this.keeping) {
      if (keeper) return this.gone
      this.endNow = true // a plain stop (shutting down, a restart) ends it, unloaded or not
    } else if (keeper && this.reusable(worker) && keeper.wanted()) {
      if (await this.keepAsSpare(worker, keeper)) return
    }
    await worker.shutdown(this.options.graceMs)
  }

  private reusable(worker: WorkerProcess): boolean {
    return !worker.exited && this.loaded !== null && this.reservation !== null && !this.tainted && this.requests === 0 && !this.disposed
  }

  /** Unload the model in the process and give it to `keeper`; false when it is to be ended instead. */
  private async keepAsSpare(worker: WorkerProcess, keeper: ProcessKeeper): Promise<boolean> {
    this.keeping = true
    let timer: NodeJS.Timeout | undefined
    try {
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.options.graceMs)))
      const after = await Promise.race([worker.request<'unload'>({ type: 'unload' }), timeout]).catch((error: unknown) => {
        if (!worker.exited) log.warn(`Could not unload ${this.ref.id} to keep its worker as a spare; it is ended`, { err: error })
        return null
      })
      const load = this.loaded
      if (!after || this.endNow || this.disposed || worker.exited || this.process !== worker || !load || !this.reservation) return false
      if (!keeper.adopt(worker, this.reservation, after, load)) return false
      this.detach()
      this.transition('stopped', 'unloaded')
      return true
    } finally {
      clearTimeout(timer)
      this.keeping = false
      this.endNow = false
    }
  }

  /** Stop once the requests in flight are done (see `stop`); resolves once the process is no longer this model's. */
  async stopWhenIdle(reason: string, keeper?: ProcessKeeper): Promise<void> {
    if (!this.process) return
    if (this.requests === 0) return this.stop(reason, keeper)
    this.drainReason = reason
    this.drainKeeper = keeper
    await this.gone
  }

  /** Drop a scheduled restart or a quarantine: back to `stopped`, crash history forgotten. False when neither. */
  reset(reason: string): boolean {
    if (this.current !== 'restarting' && this.current !== 'quarantined') return false
    this.forgetCrashes()
    this.transition('stopped', reason)
    return true
  }

  /** A restart by hand: lifts a quarantine, forgets the crashes, stops a running process; the caller starts it again. */
  async restartByHand(): Promise<void> {
    if (!this.reset('restarting')) this.forgetCrashes()
    await this.stop('restarting')
    this.past.restarts++
  }

  /** Kill the process at once, as a crash would (the `kill` action); returns its pid. */
  kill(): number {
    const pid = this.process?.pid
    if (!this.process || pid === undefined) throw new WardenError('CONFLICT', `The worker for ${this.ref.id} is not running`)
    this.process.kill()
    return pid
  }

  /** Share of the cores: told to a loaded worker at once, to a starting one with its load. */
  setThreads(threads: number): void {
    if (!this.process || !this.serving || this._threads === threads) return
    this._threads = threads
    const worker = this.process
    worker.request<'setThreads'>({ type: 'setThreads', threads }).catch((error: unknown) => {
      // A worker exiting meanwhile is reported by its exit; anything else leaves it on the old count.
      if (!worker.exited) log.warn(`Could not give the worker for ${this.ref.id} ${threads} threads`, { err: error })
    })
  }

  /** Warden is shutting down: no more restarts. */
  dispose(): void {
    this.disposed = true
    this.clearRestartTimer()
  }

  /** What placement needs to know. */
  placed(): PlacedModel {
    return { modelId: this.ref.id, state: this.current, bytes: this.memoryBytes, pinned: this._pinned, inFlight: this.requests, lastUsedAt: this.past.lastUsedAt, draining: this.drainReason !== null }
  }

  /** Shown in lists: running, or restarting, or quarantined. */
  get listed(): boolean {
    return isLive(this.current) || this.current === 'restarting' || this.current === 'quarantined'
  }

  /** Crashes inside the policy's window (what a quarantine is about). */
  get recentCrashes(): number {
    return this.crashHistory.recent
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.restartTimer = null
    this.past.restartAt = null
  }

  private forgetCrashes(): void {
    this.clearRestartTimer()
    this.crashHistory.clear()
  }

  private transition(to: LifecycleState, reason: string): void {
    assertTransition(this.ref.id, this.current, to)
    const from = this.current
    this.current = to
    this.stateChanged.fire({ from, to, reason })
  }
}
