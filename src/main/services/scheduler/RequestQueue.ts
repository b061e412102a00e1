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
}

/**
 * The waiting requests: highest priority first (system 100 > realtime 90 > default 70 > batch 50),
 * first in first out within one; refused with BUSY beyond `maxQueueSize`. A request that times out
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
    const max = options.maxQueueSize
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
