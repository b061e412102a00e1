import * as os from 'node:os'

/**
 * Threads for each of `workers` workers running at once: the cores shared out, at least one.
 * node-llama-cpp's own default (at least 4 per context) oversubscribes small machines badly: on two
 * cores it made generation about 1000x slower.
 */
export function threadsPerWorker(workers: number, cores = os.availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)))
}
