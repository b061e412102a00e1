import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { HealthStatus, type HealthSummary } from '../../../shared/contract/domains/health'
import { WorkerState, type WorkerInfo } from '../../../shared/contract/inference'
import { errorCodes, WardenError } from '../../../shared/errors'
import { logger } from '../logging/processLog'
import type { GenerationOutcome } from '../inference/InferenceService'

const log = logger('metrics')

/** What `/metrics` reads of the workers at scrape time. */
export interface InferenceReading {
  workers: Array<Pick<WorkerInfo, 'modelId' | 'state' | 'memoryBytes' | 'rssBytes' | 'tokensPerSecond' | 'restarts' | 'crashes'>>
  spares: number
  queueDepth: number
  queueMax: number
}

/** Modules of the open workspace by where they are. */
export interface ModuleCounts {
  hibernated: number
  archived: number
}

/**
 * Where the gauges read the live state at scrape time. Each is optional; one that throws (the
 * health monitor answers UNAVAILABLE until it runs) or returns null leaves its gauges out of that
 * scrape, never the whole exposition.
 */
export interface MetricSources {
  /** Every source's health (`HealthMonitor.summary()`). */
  health?: () => Promise<HealthSummary> | HealthSummary
  /** The workers and the queue, or null while inference has not started (a scrape never starts it). */
  inference?: () => Promise<InferenceReading | null> | InferenceReading | null
  /** Hibernated and archived modules, or null when no workspace is open. */
  modules?: () => Promise<ModuleCounts | null> | ModuleCounts | null
}

export interface WardenMetricsOptions {
  /** Node's process metrics (`process_*`, `nodejs_*`) in the same registry. Defaults to true. */
  processMetrics?: boolean
}

/**
 * Groups of the server's routes: the request histogram is labelled by these, never by the raw
 * path, so a client sending random paths cannot grow the number of series.
 */
export const routeGroups = ['api', 'hello', 'self_healing', 'v1', 'metrics', 'static', 'invalid', 'other'] as const
export type RouteGroup = (typeof routeGroups)[number]

/** The self-healing engine's timed phases (`healing_patch_<phase>_duration_seconds`). */
export type PatchPhase = 'generation' | 'testing' | 'application'

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
const GENERATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300]
const PATCH_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800]
const FITNESS_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]
const knownErrors = new Set<string>(errorCodes)

/** `2xx`, `4xx`…: the status label's values stay a handful. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other'
}

/**
 * Warden's Prometheus metrics in a registry of their own (never prom-client's global one, so two
 * servers in one process, or a library using the global registry, never mix): the seeds' names for
 * geometric health and healing (seed 003), and Warden's own, prefixed `warden_`. Gauges are read
 * from `sources` when scraped; counters and histograms move through the `observe…`/`count…`
 * methods the server, the monitor and the healing engine call. The names, types and labels are
 * listed in README.md ("Prometheus and Grafana").
 */
export class WardenMetrics {
  readonly registry = new Registry()
  private readonly phi: Gauge<'source'>
  private readonly kappa: Gauge<'source'>
  private readonly drift: Gauge<'source'>
  private readonly statusCount: Gauge<'severity'>
  private readonly sourceStatus: Gauge<'source' | 'severity'>
  private readonly degradations: Counter<'source' | 'metric'>
  private readonly healingAttempts: Counter
  private readonly healingSuccess: Counter
  private readonly healingFailures: Counter
  private readonly fitness: Histogram
  private readonly patchPhases: Record<PatchPhase, Histogram>
  private readonly workers: Gauge<'state'>
  private readonly spareWorkers: Gauge
  private readonly queueDepth: Gauge
  private readonly queueCapacity: Gauge
  private readonly workerMemory: Gauge<'model'>
  private readonly workerRss: Gauge<'model'>
  private readonly workerTokensPerSecond: Gauge<'model'>
  private readonly workerRestarts: Gauge<'model'>
  private readonly generations: Counter<'model' | 'persona' | 'outcome'>
  private readonly generatedTokens: Counter<'model' | 'persona'>
  private readonly generationDuration: Histogram<'model'>
  private readonly queueWait: Histogram
  private readonly modules: Gauge<'state'>
  private readonly requests: Histogram<'route' | 'status_class'>
  /** Issues already counted as degradations (source, metric, since), only those still active. */
  private countedIssues = new Set<string>()
  private scrape: Promise<string> | null = null
  private readonly processRegistry: Registry | null

  constructor(
    private readonly sources: MetricSources = {},
    options: WardenMetricsOptions = {},
  ) {
    const registers = [this.registry]
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers })
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Counter<L>({ name, help, labelNames, registers })
    const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []) => new Histogram<L>({ name, help, buckets, labelNames, registers })

    this.phi = gauge('geometric_health_phi', 'Φ of the latest snapshot per source, 0–1 (docs/health-metrics.md)', ['source'])
    this.kappa = gauge('geometric_health_kappa', 'Effective coupling κ_eff of the latest snapshot per source', ['source'])
    this.drift = gauge('geometric_health_basin_drift', 'Fisher–Rao distance of the latest basin coordinates to the source’s baseline, radians', ['source'])
    this.statusCount = gauge('geometric_health_status', 'Sources per health status (severity: normal, warning, critical, unknown)', ['severity'])
    this.sourceStatus = gauge('geometric_health_source_status', 'Each source’s status: 1 on its current severity', ['source', 'severity'])
    this.degradations = counter('geometric_health_degradations_total', 'Degradations raised, per source and metric (phi_low, phi_high, drift, error_rate, latency)', ['source', 'metric'])
    this.healingAttempts = counter('healing_attempts_total', 'Healing patches attempted')
    this.healingSuccess = counter('healing_success_total', 'Healing patches applied successfully')
    this.healingFailures = counter('healing_failures_total', 'Healing patches that failed (tests, application) or were rolled back')
    this.fitness = histogram('healing_fitness_score', 'Geometric fitness of evaluated healing patches, 0–1', FITNESS_BUCKETS)
    this.patchPhases = {
      generation: histogram('healing_patch_generation_duration_seconds', 'Time to generate a healing patch', PATCH_BUCKETS),
      testing: histogram('healing_patch_testing_duration_seconds', 'Time to test a healing patch in the sandbox', PATCH_BUCKETS),
      application: histogram('healing_patch_application_duration_seconds', 'Time to apply a healing patch', PATCH_BUCKETS),
    }
    this.workers = gauge('warden_workers', 'Model workers per state', ['state'])
    this.spareWorkers = gauge('warden_spare_workers', 'Started workers holding no model, ready for the next load')
    this.queueDepth = gauge('warden_queue_depth', 'Requests waiting for a worker')
    this.queueCapacity = gauge('warden_queue_capacity', 'Requests the queue holds before answering BUSY (maxQueueSize)')
    this.workerMemory = gauge('warden_worker_memory_bytes', 'Bytes each model’s worker counts against the memory budget', ['model'])
    this.workerRss = gauge('warden_worker_resident_memory_bytes', 'Resident memory of each model’s worker process', ['model'])
    this.workerTokensPerSecond = gauge('warden_worker_tokens_per_second', 'Tokens per second of each worker’s last generation', ['model'])
    this.workerRestarts = gauge('warden_worker_restarts', 'Restarts of each model’s worker since it was first loaded', ['model'])
    this.generations = counter('warden_generations_total', 'Generations finished, per model, persona and outcome (ok, or the error code in lower case)', ['model', 'persona', 'outcome'])
    this.generatedTokens = counter('warden_generated_tokens_total', 'Tokens generated (rate() of it is tokens per second)', ['model', 'persona'])
    this.generationDuration = histogram('warden_generation_duration_seconds', 'Time from request to last token, per model', GENERATION_BUCKETS, ['model'])
    this.queueWait = histogram('warden_queue_wait_seconds', 'Time requests waited in the queue for a worker', SECONDS_BUCKETS)
    this.modules = gauge('warden_modules', 'Modules of the open workspace that are hibernated or archived', ['state'])
    this.requests = histogram('warden_http_request_duration_seconds', 'HTTP requests to the server, per route group and status class', SECONDS_BUCKETS, ['route', 'status_class'])
    this.processRegistry = (options.processMetrics ?? true) ? processMetrics() : null
  }

  /** The exposition's content type (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType
  }

  /**
   * Read the sources, then the text exposition of every metric. Scrapes that arrive while one runs
   * share its answer: two reads interleaved would count a source's status twice.
   */
  exposition(): Promise<string> {
    this.scrape ??= this.readSources()
      .then(async () => (await this.registry.metrics()) + ((await this.processRegistry?.metrics()) ?? ''))
      .finally(() => {
        this.scrape = null
      })
    return this.scrape
  }

  /** One request the server answered (the route's group, its status, seconds from arrival to the end of the response). */
  observeRequest(route: RouteGroup, status: number, seconds: number): void {
    const group = (routeGroups as readonly string[]).includes(route) ? route : 'other'
    this.requests.observe({ route: group, status_class: statusClass(status) }, seconds)
  }

  /** A generation finished or failed (the inference service's event). */
  observeGeneration(e: GenerationOutcome): void {
    const labels = { model: e.modelId, persona: e.persona ?? '' }
    const outcome = e.ok ? 'ok' : e.error && knownErrors.has(e.error) ? e.error.toLowerCase() : 'error'
    this.generations.inc({ ...labels, outcome })
    if (e.tokens > 0) this.generatedTokens.inc(labels, e.tokens)
    if (e.ok) this.generationDuration.observe({ model: e.modelId }, e.totalMs / 1000)
    if (e.queueWaitMs !== null) this.queueWait.observe(e.queueWaitMs / 1000)
  }

  /** A degradation was raised (`metric`: phi_low, phi_high, drift, error_rate, latency). */
  countDegradation(source: string, metric: string): void {
    this.degradations.inc({ source, metric })
  }

  /**
   * Count the summary's issues not counted yet as degradations: each issue once, however often the
   * summary is read (on every `health.changed` and every scrape). Only active issues are
   * remembered, so one raised again later counts again.
   */
  noteHealth(summary: HealthSummary): void {
    const active = new Set<string>()
    for (const s of summary.sources) {
      for (const issue of s.issues) {
        const key = `${s.source}\0${issue.metric}\0${issue.since}`
        active.add(key)
        if (!this.countedIssues.has(key)) this.countDegradation(s.source, issue.metric)
      }
    }
    this.countedIssues = active
  }

  /** The healing engine attempted a patch; then `healingSucceeded` or `healingFailed`. */
  healingAttempted(): void {
    this.healingAttempts.inc()
  }

  healingSucceeded(): void {
    this.healingSuccess.inc()
  }

  healingFailed(): void {
    this.healingFailures.inc()
  }

  /** A patch's geometric fitness score (0–1). */
  observeFitness(score: number): void {
    this.fitness.observe(score)
  }

  /** How long one phase of a patch took. */
  observePatchPhase(phase: PatchPhase, seconds: number): void {
    this.patchPhases[phase].observe(seconds)
  }

  /** Time a phase of a patch: call the returned function when it ends. */
  timePatchPhase(phase: PatchPhase): () => void {
    const end = this.patchPhases[phase].startTimer()
    return () => void end()
  }

  private async readSources(): Promise<void> {
    await Promise.all([this.readHealth(), this.readInference(), this.readModules()])
  }

  private async readHealth(): Promise<void> {
    this.phi.reset()
    this.kappa.reset()
    this.drift.reset()
    this.statusCount.reset()
    this.sourceStatus.reset()
    const summary = await read('health', this.sources.health)
    if (!summary) return
    this.noteHealth(summary)
    for (const severity of HealthStatus.options) this.statusCount.set({ severity }, 0)
    for (const s of summary.sources) {
      this.statusCount.inc({ severity: s.status })
      this.sourceStatus.set({ source: s.source, severity: s.status }, 1)
      const latest = s.latest
      if (latest?.phi !== null && latest?.phi !== undefined) this.phi.set({ source: s.source }, latest.phi)
      if (latest?.kappa !== null && latest?.kappa !== undefined) this.kappa.set({ source: s.source }, latest.kappa)
      if (latest?.drift !== null && latest?.drift !== undefined) this.drift.set({ source: s.source }, latest.drift)
    }
  }

  private async readInference(): Promise<void> {
    for (const g of [this.workers, this.spareWorkers, this.queueDepth, this.queueCapacity, this.workerMemory, this.workerRss, this.workerTokensPerSecond, this.workerRestarts]) g.reset()
    const reading = await read('inference', this.sources.inference)
    // Before inference starts there are no workers and nothing queued: zeros, not gaps.
    for (const state of WorkerState.options) this.workers.set({ state }, 0)
    this.spareWorkers.set(reading?.spares ?? 0)
    this.queueDepth.set(reading?.queueDepth ?? 0)
    if (!reading) return
    this.queueCapacity.set(reading.queueMax)
    for (const w of reading.workers) {
      const model = { model: w.modelId }
      this.workers.inc({ state: w.state })
      this.workerMemory.set(model, w.memoryBytes)
      if (w.rssBytes !== null) this.workerRss.set(model, w.rssBytes)
      if (w.tokensPerSecond !== null) this.workerTokensPerSecond.set(model, w.tokensPerSecond)
      this.workerRestarts.set(model, w.restarts)
    }
  }

  private async readModules(): Promise<void> {
    this.modules.reset()
    const counts = await read('modules', this.sources.modules)
    if (!counts) return
    this.modules.set({ state: 'hibernated' }, counts.hibernated)
    this.modules.set({ state: 'archived' }, counts.archived)
  }
}

let processRegistry: Registry | null = null

/**
 * Node's process metrics (`process_*`, `nodejs_*`), one registry per process, made on first use:
 * prom-client's collectors install observers (GC, event-loop delay) that cannot be removed, so
 * every WardenMetrics of the process shares them instead of adding its own.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
    // Gauges that prom-client names like counters, which `promtool check metrics` rejects.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) processRegistry.removeSingleMetric(name)
  }
  return processRegistry
}

/** A source's reading, or null when it is absent, not ready (UNAVAILABLE) or failed (logged). */
async function read<T>(what: string, source: (() => Promise<T | null> | T | null) | undefined): Promise<T | null> {
  if (!source) return null
  try {
    return await source()
  } catch (error) {
    if (!(error instanceof WardenError && error.code === 'UNAVAILABLE')) log.warn(`Metrics: reading ${what} failed; its gauges are left out of this scrape`, { err: error })
    return null
  }
}
