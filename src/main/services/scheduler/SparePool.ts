import type { WorkerLogSink } from '../logging/WorkerLogs'
import type { WorkerLauncher } from '../workers/launcher'
import { WorkerProcess } from '../workers/WorkerProcess'
import type { MemoryLedger, MemoryReservation } from './MemoryLedger'

export interface SparePoolOptions {
  launcher: WorkerLauncher
  /** Where each worker's output goes, per model (logs/workers/). */
  workerLogs?: WorkerLogSink
  /** JavaScript heap limit of a worker, read when one is started (maxRAMPerWorker). */
  maxRamMb: () => number
  /** Where a spare's memory is counted: it is a process like any other. */
  ledger: MemoryLedger
  /** A spare measured its resident memory once node-llama-cpp was in it (the runtime's fixed cost). */
  onMeasured: (rssBytes: number) => void
  /** A spare started, was measured, stopped or exited (the Workers page shows them). */
  onChange: (reason: string) => void
}

/** A started worker process holding no model yet. */
interface Spare {
  readonly process: WorkerProcess
  readonly reservation: MemoryReservation
  /** Resident memory once warm; null while node-llama-cpp is still loading into it. */
  rssBytes: number | null
}

export interface SpareView {
  pid: number | null
  /** `starting` until node-llama-cpp is loaded in it. */
  state: 'starting' | 'ready'
  /** Bytes it counts against the budget. */
  memoryBytes: number
  rssBytes: number | null
}

/**
 * Started, idle worker processes (node-llama-cpp imported and initialised) for models to use, so a
 * swap-in only loads the model. A spare is a process that takes memory, so it holds a reservation
 * like a model (its measured resident memory, on a RAM budget); it gives way to models: the
 * scheduler stops spares rather than page out a model, and starts them only into free room.
 */
export class SparePool {
  private spares: Spare[] = []
  private disposed = false

  constructor(private readonly options: SparePoolOptions) {}

  get count(): number {
    return this.spares.length
  }

  list(): SpareView[] {
    return this.spares.map((s) => ({ pid: s.process.pid ?? null, state: s.rssBytes === null ? 'starting' : 'ready', memoryBytes: s.reservation.bytes, rssBytes: s.rssBytes }))
  }

  /** A started (or starting) process for `modelId`: the warmest spare, else a new one. Its spare reservation is released. */
  take(modelId: string): WorkerProcess {
    const spare = this.spares.find((s) => s.rssBytes !== null) ?? this.spares[0]
    if (spare) {
      this.remove(spare)
      spare.process.modelId = modelId
      return spare.process
    }
    return new WorkerProcess(this.options.launcher, modelId, this.options.maxRamMb(), this.options.workerLogs)
  }

  /**
   * Start spares up to `target` while `room(bytes)` allows one more of `bytesEach`; stop those
   * beyond `target` (the setting was lowered).
   */
  replenish(target: number, bytesEach: number, room: (bytes: number) => boolean, countBytes: (rssBytes: number) => number): void {
    if (this.disposed) return
    while (this.spares.length > target) this.stopOne('spare workers lowered')
    while (this.spares.length < target && room(bytesEach)) this.launch(bytesEach, countBytes)
  }

  /** Stop spares, the coldest first, while `tooMuch()` says they take room models need; released at once. */
  trimWhile(tooMuch: () => boolean): void {
    while (this.spares.length > 0 && tooMuch()) this.stopOne('room for a model')
  }

  /**
   * A worker process whose model was unloaded, kept as a spare with `reservation` (its model's,
   * resized to `bytes`: what the process was measured to hold after the unload).
   */
  adopt(process: WorkerProcess, reservation: MemoryReservation, rssBytes: number, bytes: number): void {
    if (this.disposed) throw new Error('The spare pool is disposed')
    reservation.resizeTo(bytes)
    const spare: Spare = { process, reservation, rssBytes }
    this.spares.push(spare)
    process.becomeSpare()
    process.onExit(() => {
      if (this.remove(spare)) this.options.onChange('spare exited')
    })
    this.options.onChange('spare kept')
  }

  private launch(bytes: number, countBytes: (rssBytes: number) => number): void {
    const process = new WorkerProcess(this.options.launcher, 'spare', this.options.maxRamMb(), this.options.workerLogs)
    const spare: Spare = { process, reservation: this.options.ledger.reserve(bytes, 'spare'), rssBytes: null }
    this.spares.push(spare)
    process.onExit(() => {
      if (this.remove(spare)) this.options.onChange('spare exited')
    })
    // The `stats` answer waits until node-llama-cpp is loaded: the spare is warm then.
    void process.ready
      .then(() => process.request<'stats'>({ type: 'stats' }))
      .then((stats) => {
        if (!this.spares.includes(spare)) return
        spare.rssBytes = stats.rssBytes
        spare.reservation.resizeTo(countBytes(stats.rssBytes))
        this.options.onMeasured(stats.rssBytes)
        this.options.onChange('spare ready')
      })
      .catch(() => undefined) // an exit is reported by onExit
    this.options.onChange('spare starting')
  }

  private stopOne(reason: string): void {
    const spare = this.spares.find((s) => s.rssBytes === null) ?? this.spares[this.spares.length - 1]
    this.remove(spare)
    void spare.process.shutdown(2000)
    this.options.onChange(reason)
  }

  private remove(spare: Spare): boolean {
    const i = this.spares.indexOf(spare)
    if (i < 0) return false
    this.spares.splice(i, 1)
    spare.reservation.release() // no model in it: its memory is the model's (taken) or free within moments (stopped)
    return true
  }

  /** Stop the spares (grace period, then kill); no new one is started. */
  async dispose(graceMs: number): Promise<void> {
    this.disposed = true
    const spares = this.spares.splice(0)
    for (const s of spares) s.reservation.release()
    await Promise.all(spares.map((s) => s.process.shutdown(graceMs)))
  }
}
