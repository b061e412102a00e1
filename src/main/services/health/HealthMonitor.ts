import type { z } from 'zod'
import type { HealthIssue, HealthSnapshot, HealthStatus, SourceHealth, SourceKind, healthOperations } from '../../../shared/contract/domains/health'
import type { WorkerInfo } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import { Emitter } from '../events/Emitter'
import { logger } from '../logging/processLog'
import type { SettingsStore } from '../settings/SettingsStore'
import { detect, trends, worstStatus } from './detection'
import type { HealthStore } from './HealthStore'
import { basinCoords, fisherRao, meanDirection, regimeOf } from './metrics'
import { OwnSources, type OwnReading } from './ownSources'
import { LAST_DATE_MS, parseTimeRange } from './timeRef'
import type { DetectorState, GenerationEvent, HealthThresholds, StoredSnapshot } from './types'

const log = logger('health')

type Out<K extends keyof typeof healthOperations> = z.output<(typeof healthOperations)[K]['output']>
type In<K extends keyof typeof healthOperations> = z.output<(typeof healthOperations)[K]['input']>

/** The seeds' rolling window of snapshots per source, for detection and trends. */
export const WINDOW = 1000
/**
 * A snapshot may say it was taken at most this far in the future (clocks drift a little). Not more:
 * detection counts only snapshots newer than the last counted one, and a source's snapshots without a
 * timestamp follow its last one, so a snapshot far ahead would silence the source's alerts and date
 * its next snapshots in the future until then.
 */
export const FUTURE_SLACK_MS = 5 * 60_000
/**
 * External systems a monitor keeps at most: each holds a window of up to WINDOW snapshots (with
 * their basins) in memory, so a client inventing a new source name per request must not grow it
 * without end. A source is forgotten once retention removed its history.
 */
export const MAX_EXTERNAL_SOURCES = 100
/** After a generation, its sources get a snapshot this soon (generations close together share one). */
const AFTER_GENERATION_MS = 2000

/** One source as the monitor holds it. */
interface Source {
  name: string
  kind: SourceKind
  window: StoredSnapshot[]
  detector: DetectorState | null
  issues: HealthIssue[]
  status: HealthStatus
  baseline: { basin: number[]; setAt: number; from: string } | null
  /** The last basin seen (carried into snapshots taken between embeddings). */
  lastBasin: number[] | null
}

export interface HealthAlert {
  source: string
  status: 'warning' | 'critical'
  message: string
  since: number
}

export interface HealthChange {
  at: number
  sources: string[]
  status: HealthStatus
  alerts: HealthAlert[]
}

/** A source's status changed: what the alert (toast, tray, notification) says. */
export interface HealthTransition {
  source: string
  from: HealthStatus
  to: HealthStatus
  issues: HealthIssue[]
  /** Issues raised by this snapshot (the degradations to count). */
  raised: HealthIssue[]
}

export interface HealthMonitorOptions {
  store: HealthStore
  settings: SettingsStore
  now?: () => number
  /** The inference service when it runs (the monitor never starts it); its workers and embeddings. */
  inference?: () => {
    workers(): Promise<{ workers: WorkerInfo[] }>
    embed(ref: string, texts: string[], call: { priority: 'batch' }): Promise<{ vectors: number[][] }>
  } | null
}

/**
 * The health monitor (seeds 003/004, docs/health-metrics.md): every source's rolling window of
 * 1,000 snapshots, its baseline basin, the detection of degradations with hysteresis, stored
 * history with roll-ups, and the events that raise alerts. Sources are external systems that push
 * snapshots (`ingest`) and Warden's own personas and models, measured from their generations
 * (`recordGeneration`) every `healthIntervalSeconds` and shortly after generations.
 */
export class HealthMonitor {
  private readonly sources = new Map<string, Source>()
  private readonly own = new OwnSources()
  private readonly now: () => number
  private readonly didChange = new Emitter<HealthChange>()
  private readonly didTransition = new Emitter<HealthTransition>()
  private changed = new Set<string>()
  private changeTimer: NodeJS.Timeout | null = null
  private tickTimer: NodeJS.Timeout | null = null
  private soonTimer: NodeJS.Timeout | null = null
  private lastPrune = 0
  private loadedAll = false
  private disposed = false
  private ticking: Promise<void> | null = null

  /** Snapshots were added (throttled to a few per second) and the overall status with the active alerts. */
  readonly onDidChange = this.didChange.event
  /** A source's status changed. */
  readonly onDidTransition = this.didTransition.event

  constructor(private readonly options: HealthMonitorOptions) {
    this.now = options.now ?? Date.now
  }

  /** Take snapshots of Warden's own sources every `healthIntervalSeconds` (the app and the server; never a one-off CLI command). */
  start(): void {
    if (this.tickTimer || this.disposed) return
    const schedule = () => {
      const ms = this.options.settings.get().healthIntervalSeconds * 1000
      this.tickTimer = setTimeout(() => {
        void this.tick().finally(() => {
          if (!this.disposed) schedule()
        })
      }, ms)
      this.tickTimer.unref?.()
    }
    schedule()
    this.prune()
  }

  /** A generation finished or failed (from the inference service): counted now, in a snapshot soon. */
  recordGeneration(event: GenerationEvent): void {
    if (this.disposed) return
    this.own.add(event)
    if (this.tickTimer && !this.soonTimer) {
      this.soonTimer = setTimeout(() => {
        this.soonTimer = null
        void this.tick({ afterGeneration: true })
      }, AFTER_GENERATION_MS)
      this.soonTimer.unref?.()
    }
  }

  /**
   * Snapshots of Warden's own sources now: those with generations since their last one and (on the
   * interval) every loaded model's worker. Personas' answers are embedded for their basin on the
   * interval only, never after each generation (embedding costs a worker's time).
   */
  async tick(options: { afterGeneration?: boolean } = {}): Promise<void> {
    if (this.ticking) return this.ticking
    this.ticking = (async () => {
      try {
        const inference = this.options.inference?.() ?? null
        const workers = inference ? (await inference.workers().catch(() => ({ workers: [] as WorkerInfo[] }))).workers : []
        const readings = this.own.take(workers)
        for (const reading of readings) {
          const basin = options.afterGeneration ? null : await this.basinOf(reading, inference)
          this.record(reading.source, reading.kind, { ...reading.fields }, basin, this.now(), basin !== null)
        }
        if (this.now() - this.lastPrune > 3600_000) this.prune()
      } catch (error) {
        log.error('A health snapshot failed', { err: error })
      } finally {
        this.ticking = null
      }
    })()
    return this.ticking
  }

  private async basinOf(reading: OwnReading, inference: ReturnType<NonNullable<HealthMonitorOptions['inference']>>): Promise<number[] | null> {
    if (!inference || reading.texts.length === 0) return null
    const model = this.options.settings.get().embeddingModel || reading.modelId
    if (!model) return null
    try {
      const { vectors } = await inference.embed(model, [reading.texts.join('\n\n')], { priority: 'batch' })
      return basinCoords(vectors)
    } catch (error) {
      log.warn(`Could not embed ${reading.source}'s answers for its basin`, { err: error })
      return null
    }
  }

  /** A snapshot pushed by an external system (the seeds' POST /api/self-healing/snapshot). */
  ingest(input: In<'health.snapshot'>): Out<'health.snapshot'> {
    const name = input.source ?? 'external'
    if (/^(persona|model):/.test(name)) {
      throw new WardenError('INVALID_INPUT', `source: "${name}" names one of Warden's own personas or models, which Warden measures itself`, {
        hint: 'Give your system a name of its own (without the persona: or model: prefix).',
      })
    }
    if (!this.sources.has(name)) this.refuseNewSourceBeyondLimit(name)
    const now = this.now()
    // Without a timestamp, snapshots of a source are ordered as they arrive (two in one millisecond are
    // two snapshots); one that repeats an earlier timestamp is a resend, which detection counts once.
    const lastAt = this.sources.get(name)?.window.at(-1)?.at ?? -Infinity
    const at = input.timestamp ?? Math.max(now, lastAt + 1)
    // Past the last date a clock can hold, a timestamp cannot be written as a date (toISOString throws).
    if (at > now + FUTURE_SLACK_MS) throw new WardenError('INVALID_INPUT', `timestamp: ${at > LAST_DATE_MS ? at : new Date(at).toISOString()} is more than 5 minutes in the future (ahead of this machine's clock)`, { hint: 'Send milliseconds since 1970 (Date.now()) from a synchronised clock, or leave it out.' })
    // Older than the history kept: pruned at once, and meanwhile a false past (charts, gate 1's hours).
    const days = this.options.settings.get().healthRetentionDays
    if (at < now - days * 86_400_000) throw new WardenError('INVALID_INPUT', `timestamp: ${new Date(at).toISOString()} is older than the health history kept (healthRetentionDays: ${days})`, { hint: 'Send milliseconds since 1970 (Date.now()) of when the snapshot was taken, or leave it out.' })
    // Already basin coordinates: only scaled to unit length (all zeros, as the seed's example sends: no basin, no drift).
    const basin = meanDirection([input.basin_coords])
    const snapshot = this.record(
      name,
      'external',
      {
        phi: input.phi,
        kappa: input.kappa_eff,
        confidence: input.confidence ?? null,
        surprise: input.surprise ?? null,
        agency: input.agency ?? null,
        latencyMs: input.latency_ms ?? null,
        ttftMs: null,
        tokensPerSecond: input.tokens_per_second ?? null,
        errorRate: input.error_rate ?? null,
        queueWaitMs: null,
        memoryBytes: input.memory_bytes ?? null,
        restarts: null,
      },
      basin,
      at,
      true,
    )
    return { source: name, at: snapshot.at, status: this.sources.get(name)!.status, drift: snapshot.drift }
  }

  private refuseNewSourceBeyondLimit(name: string): void {
    const external = this.allSources().filter((s) => s.kind === 'external')
    if (external.length < MAX_EXTERNAL_SOURCES || external.some((s) => s.name === name)) return
    throw new WardenError('INVALID_INPUT', `source: "${name}" would be a new external source, and the monitor already follows ${external.length}, its limit`, {
      hint: `Send snapshots under one of the existing source names (warden health lists them); a source is forgotten ${this.options.settings.get().healthRetentionDays} days (healthRetentionDays) after its last snapshot.`,
    })
  }

  /** Store one snapshot: drift from the baseline (set from the first snapshots when there is none), detection, alerts. */
  private record(name: string, kind: SourceKind, fields: OwnReading['fields'], basin: number[] | null, at: number, measuredBasin: boolean): StoredSnapshot {
    const source = this.source(name, kind)
    const settings = this.options.settings.get()
    const usedBasin = basin ?? (measuredBasin ? null : source.lastBasin)
    if (basin) source.lastBasin = basin
    const drift = usedBasin && source.baseline ? fisherRao(usedBasin, source.baseline.basin) : null
    const partial: StoredSnapshot = { source: name, kind, at, ...fields, drift, status: 'unknown', basin }
    const detection = detect(source.detector, partial, this.thresholds(), at)
    const snapshot: StoredSnapshot = { ...partial, status: detection.status }
    const before = source.status
    const beforeIssues = new Set(source.issues.map((i) => i.metric))
    source.detector = detection.state
    source.issues = detection.issues
    source.status = detection.status
    insertByTime(source.window, snapshot)
    if (source.window.length > WINDOW) source.window.splice(0, source.window.length - WINDOW)
    this.options.store.insert(snapshot)
    if (!source.baseline) this.autoBaseline(source, settings.healthBaselineSnapshots)
    const raised = detection.issues.filter((i) => !beforeIssues.has(i.metric))
    if (before !== detection.status || raised.length) {
      this.didTransition.fire({ source: name, from: before, to: detection.status, issues: detection.issues, raised })
    }
    this.changedSoon(name)
    return snapshot
  }

  /** A source without a baseline gets one from its first `count` snapshots with a basin. */
  private autoBaseline(source: Source, count: number): void {
    const basins = source.window.filter((s) => s.basin).map((s) => s.basin!)
    if (basins.length < count) return
    const basin = meanDirection(basins.slice(0, count))
    if (!basin) return
    source.baseline = { basin, setAt: this.now(), from: `the first ${count} snapshots` }
    this.options.store.setBaseline(source.name, source.baseline.basin, source.baseline.setAt, source.baseline.from)
  }

  private thresholds(): HealthThresholds {
    const s = this.options.settings.get()
    return { phiMin: s.healthPhiMin, phiMax: s.healthPhiMax, driftMax: s.healthDriftMax, errorRateMax: s.healthErrorRateMax, latencyMaxMs: s.healthLatencyMaxMs, alertAfter: s.healthAlertAfter }
  }

  /** A source, from memory or the store (its last 1,000 snapshots replayed through detection), or a new one. */
  private source(name: string, kind?: SourceKind): Source {
    let source = this.sources.get(name)
    if (source) return source
    const window = this.options.store.recent(name, WINDOW)
    const stored = this.options.store.baseline(name)
    source = { name, kind: window.at(-1)?.kind ?? kind ?? 'external', window, detector: null, issues: [], status: 'unknown', baseline: stored, lastBasin: [...window].reverse().find((s) => s.basin)?.basin ?? null }
    const thresholds = this.thresholds()
    for (const snapshot of window) {
      const detection = detect(source.detector, snapshot, thresholds, snapshot.at)
      source.detector = detection.state
      source.issues = detection.issues
      source.status = detection.status
    }
    this.sources.set(name, source)
    return source
  }

  private known(name: string): Source {
    if (!this.sources.has(name) && !this.options.store.sources().some((s) => s.source === name)) {
      throw new WardenError('NOT_FOUND', `No health source is called "${name}"`, { hint: 'warden health lists the sources (personas as persona:NAME, models as model:ID).' })
    }
    return this.source(name)
  }

  private allSources(): Source[] {
    if (!this.loadedAll) {
      for (const s of this.options.store.sources()) this.source(s.source, s.kind)
      this.loadedAll = true
    }
    return [...this.sources.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  private healthOf(source: Source): SourceHealth {
    const latest = source.window.at(-1) ?? null
    const s = this.options.settings.get()
    return {
      source: source.name,
      kind: source.kind,
      status: source.status,
      regime: latest?.phi == null ? 'unknown' : regimeOf(latest.phi, { phiMin: s.healthPhiMin, phiMax: s.healthPhiMax }),
      latest: latest ? withoutBasin(latest) : null,
      windowSize: source.window.length,
      windowFrom: source.window.length ? source.window.reduce((min, w) => Math.min(min, w.at), Infinity) : null,
      baseline: source.baseline ? { setAt: source.baseline.setAt, from: source.baseline.from } : null,
      issues: source.issues,
      trends: trends(source.window),
    }
  }

  summary(): Out<'health.summary'> {
    const sources = this.allSources().map((s) => this.healthOf(s))
    return { status: worstStatus(sources.map((s) => s.status)), sources, at: this.now() }
  }

  /** One source's health (the seeds' GET /health?source=). */
  sourceHealth(name: string): SourceHealth {
    return this.healthOf(this.known(name))
  }

  history(input: In<'health.history'>): Out<'health.history'> {
    this.known(input.source)
    const now = this.now()
    const { since, until } = parseTimeRange(input.since, input.until, now)
    const { resolution, points } = this.options.store.history(input.source, since, until, input.points)
    return { source: input.source, since, until, resolution, points }
  }

  setBaseline(input: In<'health.baseline'>): Out<'health.baseline'> {
    const source = this.known(input.source)
    let basin: number[] | null
    let from: string
    let count: number
    if (input.basin) {
      basin = meanDirection([input.basin])
      from = 'basin coordinates given'
      count = 0
      if (!basin) throw new WardenError('INVALID_INPUT', 'basin: the coordinates are all zero, so they have no direction to measure drift from')
    } else {
      const withBasin = source.window.filter((s) => s.basin)
      const last = withBasin.slice(-(input.fromLast ?? withBasin.length))
      if (last.length === 0) {
        throw new WardenError('INVALID_INPUT', `${source.name} has no snapshot with basin coordinates in its window yet`, {
          hint: source.kind === 'persona' ? 'A persona gets basin coordinates when its answers are embedded, on the health interval after it chats (set embeddingModel, or its model embeds).' : 'Send snapshots with basin_coords first.',
        })
      }
      basin = meanDirection(last.map((s) => s.basin!))
      count = last.length
      from = `the last ${count} snapshot${count === 1 ? '' : 's'}`
      if (!basin) throw new WardenError('INVALID_INPUT', `${source.name}'s last ${count} basins cancel out (their mean is zero): choose another --from-last`)
    }
    const setAt = this.now()
    source.baseline = { basin, setAt, from }
    this.options.store.setBaseline(source.name, source.baseline.basin, source.baseline.setAt, source.baseline.from)
    this.changedSoon(source.name)
    return { source: source.name, snapshots: count, setAt }
  }

  degradation(input: In<'health.degradation'>): Out<'health.degradation'> {
    const sources = input.source ? [this.known(input.source)] : this.allSources()
    const issues = sources.flatMap((s) => s.issues.map((i) => ({ ...i, source: s.name })))
    return { degraded: issues.length > 0, issues }
  }

  /** The overall status and the active alerts (the tray's state and menu). */
  alerts(): { status: HealthStatus; alerts: HealthAlert[] } {
    const sources = [...this.sources.values()]
    const alerts = sources
      .filter((s) => s.status === 'warning' || s.status === 'critical')
      .map((s) => ({ source: s.name, status: s.status as 'warning' | 'critical', message: s.issues.map((i) => i.message).join('; ') || `${s.name} is ${s.status}`, since: Math.min(...s.issues.map((i) => i.since), this.now()) }))
    return { status: worstStatus(sources.map((s) => s.status)), alerts }
  }

  private changedSoon(name: string): void {
    this.changed.add(name)
    if (this.changeTimer || this.disposed) return
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null
      const sources = [...this.changed]
      this.changed = new Set()
      this.didChange.fire({ at: this.now(), sources, ...this.alerts() })
    }, 250)
    this.changeTimer.unref?.()
  }

  private prune(): void {
    this.lastPrune = this.now()
    try {
      const days = this.options.settings.get().healthRetentionDays
      this.options.store.prune(this.now(), days)
      // A source the store forgot (nothing left within the retention) is forgotten here too: it
      // no longer counts toward the external sources' limit, as the refusal's hint promises.
      const kept = new Set(this.options.store.sources().map((s) => s.source))
      for (const [name, source] of this.sources) {
        if (!kept.has(name) && (source.window.at(-1)?.at ?? 0) < this.now() - days * 86_400_000) this.sources.delete(name)
      }
    } catch (error) {
      log.error('Pruning health history failed', { err: error })
    }
  }

  dispose(): void {
    this.disposed = true
    for (const timer of [this.tickTimer, this.soonTimer, this.changeTimer]) if (timer) clearTimeout(timer)
    this.didChange.dispose()
    this.didTransition.dispose()
  }
}

/**
 * The window stays in time order, as the store gives it back after a restart: a snapshot that arrives
 * late (dated before the newest) takes its place in time and never becomes the source's latest reading.
 */
function insertByTime(window: StoredSnapshot[], snapshot: StoredSnapshot): void {
  let i = window.length
  while (i > 0 && window[i - 1].at > snapshot.at) i--
  window.splice(i, 0, snapshot)
}

function withoutBasin(s: StoredSnapshot): HealthSnapshot {
  const { basin: _basin, ...rest } = s
  return rest
}
