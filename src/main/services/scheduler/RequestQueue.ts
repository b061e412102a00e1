import { WardenError } from '../../../shared/errors'
import { PriorityQueue } from './PriorityQueue'
import type { ModelRef, RunContext, Scheduled } from './types'

/** A request waiting in the queue, then running. */
export interface Job {
  readonly model: ModelRef
  readonly priority: number
  readonly run: (ctx: RunContext) => Promise<unknown>
  readonly enqueuedAt: number
  /** The model was not loaded when the request came: it is loaded for it. */
  readonly loaded: boolean
  /** Models paged out to make room for it. */
  readonly evicted: string[]
  /** Aborted on cancel or timeout once it runs. */
  readonly abort: AbortController
  /** Its timeout passed while it ran. */
  readonly timedOut: boolean
  resolve(value: Scheduled<unknown>): void
  reject(error: WardenError): void
}

export interface EnqueueOptions {
  priority: number
  signal?: AbortSignal
  timeoutMs: number
  loaded: boolean
  maxQueueSize: number
  /** Requests waiting for one model at most. */
  maxQueuePerModel: number
}

/**
 * Whether one more request for a model may wait, and the BUSY error when not. The global limit
 * applies to the whole queue, but a model with nothing waiting always gets a place: one model's
 * backlog never refuses a request for another (an idle loaded model's request runs at once).
 */
export function admission(waiting: { total: number; forModel: number }, modelName: string, limits: { maxQueueSize: number; maxQueuePerModel: number }): WardenError | null {
  if (waiting.forModel >= limits.maxQueuePerModel) {
    return new WardenError('BUSY', `${modelName} is busy: ${waiting.forModel} requests for it are already waiting (maxQueuePerModel ${limits.maxQueuePerModel})`, {
      hint: 'Try again in a moment, or raise maxQueuePerModel (warden config set maxQueuePerModel N).',
    })
  }
  if (waiting.forModel > 0 && waiting.total >= limits.maxQueueSize) {
    return new WardenError('BUSY', `Warden is busy: ${waiting.total} requests are already waiting (maxQueueSize ${limits.maxQueueSize})`, {
      hint: 'Try again in a moment, or raise maxQueueSize (warden config set maxQueueSize N).',
    })
  }
  return null
}

/**
 * The waiting requests: highest priority first (system 100 > realtime 90 > default 70 > batch 50),
 * first in first out within one; refused with BUSY beyond the limits (see `admission`). A request that times out
 * or is cancelled while waiting leaves the queue with that error; once it runs, its `abort` signal
 * fires instead.
 */
export class RequestQueue {
  private readonly queue = new PriorityQueue<Job>()

  constructor(
    private readonly now: () => number,
    /** A request left the queue on its own (timed out, cancelled): room for others. */
    private readonly onLeft: (reason: 'timeout' | 'cancelled') => void,
  ) {}

  get size(): number {
    return this.queue.size
  }

  /** The waiting requests in the order they are served. */
  values(): Job[] {
    return this.queue.values()
  }

  countFor(modelId: string): number {
    return this.values().filter((j) => j.model.id === modelId).length
  }

  /** Models that waiting requests are for. */
  modelIds(): Set<string> {
    return new Set(this.values().map((j) => j.model.id))
  }

  add<T>(model: ModelRef, options: EnqueueOptions, run: (ctx: RunContext) => Promise<T>): Promise<Scheduled<T>> {
    const busy = admission({ total: this.queue.size, forModel: this.countFor(model.id) }, model.name, options)
    if (busy) return Promise.reject(busy)
    if (options.signal?.aborted) return Promise.reject(new WardenError('CANCELLED', 'The request was cancelled'))
    return new Promise<Scheduled<T>>((resolve, reject) => {
      const abort = new AbortController()
      let timedOut = false
      const cleanup = () => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onCancel)
      }
      const job: Job = {
        model,
        priority: options.priority,
        run,
        enqueuedAt: this.now(),
        loaded: options.loaded,
        evicted: [],
        abort,
        get timedOut() {
          return timedOut
        },
        resolve: (value) => {
          cleanup()
          resolve(value as Scheduled<T>)
        },
        reject: (error) => {
          cleanup()
          reject(error)
        },
      }
      const timer = setTimeout(() => {
        timedOut = true
        if (!this.queue.remove(job)) return abort.abort()
        job.reject(new WardenError('TIMEOUT', `The request to ${model.name} waited ${Math.round(options.timeoutMs / 1000)} s without starting`, { hint: 'Warden is busy or the model is slow to load; try again, or raise requestTimeoutMs.' }))
        this.onLeft('timeout')
      }, options.timeoutMs)
      timer.unref()
      const onCancel = () => {
        if (!this.queue.remove(job)) return abort.abort()
        job.reject(new WardenError('CANCELLED', `The request to ${model.name} was cancelled before it started`))
        this.onLeft('cancelled')
      }
      options.signal?.addEventListener('abort', onCancel, { once: true })
      this.queue.push(job, options.priority)
    })
  }

  /** Take a request out to run it; false when it already left. */
  take(job: Job): boolean {
    return this.queue.remove(job)
  }

  /** Refuse every waiting request that `which` selects. */
  rejectWhere(which: (job: Job) => boolean, error: WardenError): void {
    for (const job of this.values().filter(which)) {
      this.queue.remove(job)
      job.reject(error)
    }
  }
}
