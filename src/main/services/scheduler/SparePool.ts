import type { WorkerLogSink } from '../logging/WorkerLogs'
import type { WorkerLauncher } from '../workers/launcher'
import { WorkerProcess } from '../workers/WorkerProcess'

export interface SparePoolOptions {
  launcher: WorkerLauncher
  /** Where each worker's output goes, per model (logs/workers/). */
  workerLogs?: WorkerLogSink
  /** JavaScript heap limit of a worker, read when one is started (maxRAMPerWorker). */
  maxRamMb: () => number
  /**
   * Keep one started, idle worker process ready (node-llama-cpp imported and initialised), so a
   * swap-in only loads the model. For long-running hosts (app, server); not for one CLI command.
   * Defaults to `false`.
   */
  enabled?: boolean
}

/**
 * Worker processes for models to use: the spare one when it is alive, else a new one. A spare holds
 * no model, so it is not counted against the memory budget.
 */
export class SparePool {
  private spare: WorkerProcess | null = null
  private disposed = false

  constructor(private readonly options: SparePoolOptions) {}

  /** A started (or starting) process for `modelId`. */
  take(modelId: string): WorkerProcess {
    const spare = this.spare
    this.spare = null
    if (spare && !spare.exited) {
      spare.modelId = modelId
      return spare
    }
    return new WorkerProcess(this.options.launcher, modelId, this.options.maxRamMb(), this.options.workerLogs)
  }

  /** Start the spare when there is none and `room` says one more process is allowed. */
  replenish(room: boolean): void {
    if (!this.options.enabled || this.disposed || this.spare || !room) return
    const spare = new WorkerProcess(this.options.launcher, 'spare', this.options.maxRamMb(), this.options.workerLogs)
    spare.onExit(() => {
      if (this.spare === spare) this.spare = null
    })
    this.spare = spare
  }

  /** Stop the spare (grace period, then kill); no new one is started. */
  async dispose(graceMs: number): Promise<void> {
    this.disposed = true
    const spare = this.spare
    this.spare = null
    await spare?.shutdown(graceMs)
  }
}
