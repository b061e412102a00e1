import * as os from 'node:os'

/**
 * Threads for each of `workers` workers running at once: the cores less one for the app itself
 * (main process, UI), shared out, at least one each. llama.cpp's threads spin while they wait, so
 * oversubscribing cores costs far more than it gains: node-llama-cpp's own default (at least 4 per
 * context) made generation about 1000x slower on two cores, and even 2 threads on 2 cores was ~10x
 * slower than 1 while anything else ran.
 */
export function threadsPerWorker(workers: number, cores = os.availableParallelism()): number {
  const usable = cores > 1 ? cores - 1 : 1
  return Math.max(1, Math.floor(usable / Math.max(1, workers)))
}
