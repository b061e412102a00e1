import type { WorkerProcess } from '../workers/WorkerProcess'
import type { WorkerLifecycle } from './WorkerLifecycle'

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

/** What a request runs with once its model is loaded and has a free sequence. */
export interface RunContext {
  worker: WorkerProcess
  slot: WorkerLifecycle
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
