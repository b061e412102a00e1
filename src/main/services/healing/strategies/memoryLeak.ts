import type { PatchDraft, StrategyFn } from '../types'
import { hours, mb, modelOf, notPending, overWindow, pct, perHour, trendOf, workerOf } from './signals'

/** Snapshots and time the memory trend needs: a worker's first minutes (weights mapped, caches filled) are not a leak. */
export const LEAK_MIN_POINTS = 10
export const LEAK_MIN_SPAN_MS = 20 * 60_000
/** Growth of at least this share of the worker's memory per hour… */
export const LEAK_SHARE_PER_HOUR = 0.05
/** …and at least this many bytes per hour (small workers' noise is not a leak). */
export const LEAK_MIN_BYTES_PER_HOUR = 16 * 2 ** 20

/**
 * Memory-leak mitigation (seed 003, strategy 4): a model's worker whose memory keeps growing (a
 * positive memory trend over at least LEAK_MIN_POINTS snapshots and 20 minutes, by at least 5 % and 16 MB an
 * hour) is recycled: a fresh process loads the model again (the applier checkpoints the personas
 * on it first, so none loses its place).
 */
export const memoryLeak: StrategyFn = async (ctx) => {
  const drafts: PatchDraft[] = []
  for (const source of ctx.summary.sources) {
    const model = modelOf(source.source)
    const bytes = source.latest?.memoryBytes
    const slope = trendOf(source, 'memoryBytes', LEAK_MIN_SPAN_MS, LEAK_MIN_POINTS)
    if (!model || bytes == null || bytes <= 0 || slope === null || slope <= 0) continue
    if (slope < LEAK_MIN_BYTES_PER_HOUR || slope / bytes < LEAK_SHARE_PER_HOUR) continue
    const worker = workerOf(ctx.workers, model)
    if (!worker || !(worker.state === 'ready' || worker.state === 'busy')) continue
    const toDouble = bytes / slope
    drafts.push({
      source: source.source,
      strategy: 'memory-leak',
      title: `Recycle the worker of ${model} (memory growing ${perHour(slope, mb)})`,
      rationale:
        `The worker of ${model} (pid ${worker.pid ?? '?'}) holds ${mb(bytes)} and its memory has grown ${perHour(slope, mb)} (${pct(slope / bytes)} of it per hour) over ${overWindow(source)}` +
        ` (thresholds: ${pct(LEAK_SHARE_PER_HOUR)} and ${mb(LEAK_MIN_BYTES_PER_HOUR)} per hour, ${LEAK_MIN_POINTS}+ snapshots over ${hours(LEAK_MIN_SPAN_MS / 3_600_000)}+); at this rate it doubles in about ${hours(toDouble)}.` +
        ` Recycling starts a fresh process and loads the model again; the personas on it are checkpointed first.`,
      change: { kind: 'worker-action', model, action: 'recycle' },
    })
  }
  return notPending(ctx, drafts)
}
