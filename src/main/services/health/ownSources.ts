import type { HealthSnapshot, SourceKind } from '../../../shared/contract/domains/health'
import type { WorkerInfo } from '../../../shared/contract/inference'
import { addTokenStats, emptyTokenStats, windowMetrics } from './metrics'
import type { GenerationEvent, TokenStats } from './types'

/** Text of each source's recent answers kept for its basin (bounded: the embedding model reads a window). */
const TEXT_BUDGET = 4000

/** What one of Warden's own sources did since its last snapshot. */
interface Interval {
  generations: number
  failures: number
  totalMsSum: number
  ttftMsSum: number
  ttftCount: number
  queueWaitSum: number
  queueWaitCount: number
  tokens: number
  stats: TokenStats
  texts: string[]
  textChars: number
}

function emptyInterval(): Interval {
  return { generations: 0, failures: 0, totalMsSum: 0, ttftMsSum: 0, ttftCount: 0, queueWaitSum: 0, queueWaitCount: 0, tokens: 0, stats: emptyTokenStats(), texts: [], textChars: 0 }
}

export const personaSource = (name: string) => `persona:${name}`
export const modelSource = (id: string) => `model:${id}`

/** A snapshot of one of Warden's own sources, before drift and status are known. */
export interface OwnReading {
  source: string
  kind: SourceKind
  fields: Omit<HealthSnapshot, 'source' | 'kind' | 'at' | 'drift' | 'status'>
  /** The answers of the interval, to embed for the basin (personas only). */
  texts: string[]
  /** The model whose answers they are (embeds them when no embedding model is set). */
  modelId: string | null
}

/**
 * Warden's personas and models as health sources: every generation is added to its persona's and
 * its model's interval; `take` turns the intervals into readings (Φ, κ, … from the token
 * distributions; latency, errors, tokens/s; a model's memory and restarts) and starts new ones.
 */
export class OwnSources {
  private readonly intervals = new Map<string, Interval>()
  private readonly modelOf = new Map<string, string>()

  add(event: GenerationEvent): void {
    const keys = [modelSource(event.modelId)]
    if (event.persona) {
      keys.push(personaSource(event.persona))
      this.modelOf.set(personaSource(event.persona), event.modelId)
    }
    for (const key of keys) {
      let interval = this.intervals.get(key)
      if (!interval) this.intervals.set(key, (interval = emptyInterval()))
      interval.generations++
      if (!event.ok) interval.failures++
      interval.totalMsSum += event.totalMs
      if (event.ttftMs !== null) {
        interval.ttftMsSum += event.ttftMs
        interval.ttftCount++
      }
      if (event.queueWaitMs !== null) {
        interval.queueWaitSum += event.queueWaitMs
        interval.queueWaitCount++
      }
      interval.tokens += event.tokens
      if (event.stats) interval.stats = addTokenStats(interval.stats, event.stats)
      if (event.ok && event.text && key.startsWith('persona:')) {
        interval.texts.push(event.text.slice(0, TEXT_BUDGET))
        interval.textChars += Math.min(event.text.length, TEXT_BUDGET)
        while (interval.textChars > TEXT_BUDGET && interval.texts.length > 1) interval.textChars -= interval.texts.shift()!.length
      }
    }
  }

  /** Sources with generations since their last snapshot. */
  pending(): string[] {
    return [...this.intervals.keys()]
  }

  /**
   * Readings of the sources with generations since their last snapshot (all of them, or `only`),
   * plus every loaded model's worker (memory, restarts) even when idle; their intervals start again.
   */
  take(workers: readonly WorkerInfo[], only?: ReadonlySet<string>): OwnReading[] {
    const readings: OwnReading[] = []
    const seenModels = new Set<string>()
    for (const [source, interval] of this.intervals) {
      if (only && !only.has(source)) continue
      this.intervals.delete(source)
      const isModel = source.startsWith('model:')
      const worker = isModel ? workers.find((w) => modelSource(w.modelId) === source) : undefined
      if (isModel) seenModels.add(source)
      readings.push(readingOf(source, isModel ? 'model' : 'persona', interval, worker, isModel ? source.slice('model:'.length) : this.modelOf.get(source) ?? null))
    }
    if (!only) {
      for (const worker of workers) {
        const source = modelSource(worker.modelId)
        if (seenModels.has(source) || !(worker.state === 'ready' || worker.state === 'busy')) continue
        readings.push(readingOf(source, 'model', null, worker, worker.modelId))
      }
    }
    return readings
  }
}

function readingOf(source: string, kind: SourceKind, interval: Interval | null, worker: WorkerInfo | undefined | null, modelId: string | null): OwnReading {
  const m = interval ? windowMetrics(interval.stats) : null
  const seconds = interval ? interval.totalMsSum / 1000 : 0
  return {
    source,
    kind,
    texts: interval?.texts ?? [],
    modelId,
    fields: {
      phi: m?.phi ?? null,
      kappa: m?.kappa ?? null,
      confidence: m?.confidence ?? null,
      surprise: m?.surprise ?? null,
      agency: m?.agency ?? null,
      latencyMs: interval && interval.generations ? interval.totalMsSum / interval.generations : null,
      ttftMs: interval && interval.ttftCount ? interval.ttftMsSum / interval.ttftCount : null,
      tokensPerSecond: interval && seconds > 0 && interval.tokens > 0 ? interval.tokens / seconds : worker?.tokensPerSecond ?? null,
      errorRate: interval && interval.generations ? interval.failures / interval.generations : null,
      queueWaitMs: interval && interval.queueWaitCount ? interval.queueWaitSum / interval.queueWaitCount : null,
      memoryBytes: worker ? (worker.rssBytes ?? worker.measuredBytes ?? null) : null,
      restarts: worker ? worker.restarts : null,
    },
  }
}
