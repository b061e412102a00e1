import { describe, expect, it } from 'vitest'
import { parseExposition, samplesOf, type Exposition } from '../../../../test/prometheus'
import type { HealthIssue, HealthSummary, SourceHealth } from '../../../shared/contract/domains/health'
import { WardenError } from '../../../shared/errors'
import { WardenMetrics, type RouteGroup } from './WardenMetrics'

function source(name: string, status: SourceHealth['status'], figures: { phi?: number; kappa?: number; drift?: number | null }, issues: HealthIssue[] = []): SourceHealth {
  return {
    source: name,
    kind: 'external',
    status,
    regime: 'stable',
    latest: {
      source: name,
      kind: 'external',
      at: 1,
      phi: figures.phi ?? null,
      kappa: figures.kappa ?? null,
      drift: figures.drift ?? null,
      confidence: null,
      surprise: null,
      agency: null,
      latencyMs: null,
      ttftMs: null,
      tokensPerSecond: null,
      errorRate: null,
      queueWaitMs: null,
      memoryBytes: null,
      restarts: null,
      status,
    },
    windowSize: 10,
    baseline: null,
    issues,
    trends: {},
  }
}

const issue = (metric: HealthIssue['metric'], since: number): HealthIssue => ({ metric, severity: 'warning', value: 2.5, threshold: 2, since, message: `${metric} past its threshold` })

async function scrape(metrics: WardenMetrics): Promise<Exposition> {
  return parseExposition(await metrics.exposition())
}

const valueOf = (e: Exposition, name: string, labels: Record<string, string> = {}) => samplesOf(e, name, labels).map((s) => s.value)

describe('WardenMetrics', () => {
  it('reads the health summary when scraped: Φ, κ, drift per source, sources per status, each degradation counted once', async () => {
    let summary: HealthSummary = {
      status: 'warning',
      at: 1,
      sources: [source('chat-server', 'warning', { phi: 0.7, kappa: 63.5, drift: 2.4 }, [issue('drift', 100)]), source('persona:Ada', 'normal', { phi: 0.8, kappa: 64 })],
    }
    const metrics = new WardenMetrics({ health: () => summary }, { processMetrics: false })
    let e = await scrape(metrics)
    expect(valueOf(e, 'geometric_health_phi', { source: 'chat-server' })).toEqual([0.7])
    expect(valueOf(e, 'geometric_health_kappa', { source: 'persona:Ada' })).toEqual([64])
    expect(valueOf(e, 'geometric_health_basin_drift', { source: 'chat-server' })).toEqual([2.4])
    // No baseline yet: no drift series at all, rather than a made-up 0.
    expect(valueOf(e, 'geometric_health_basin_drift', { source: 'persona:Ada' })).toEqual([])
    expect(valueOf(e, 'geometric_health_status', { severity: 'warning' })).toEqual([1])
    expect(valueOf(e, 'geometric_health_status', { severity: 'normal' })).toEqual([1])
    expect(valueOf(e, 'geometric_health_status', { severity: 'critical' })).toEqual([0])
    expect(valueOf(e, 'geometric_health_source_status', { source: 'chat-server', severity: 'warning' })).toEqual([1])
    expect(valueOf(e, 'geometric_health_degradations_total', { source: 'chat-server', metric: 'drift' })).toEqual([1])

    // The same issue read again (a second scrape, a health.changed) is not a second degradation.
    metrics.noteHealth(summary)
    e = await scrape(metrics)
    expect(valueOf(e, 'geometric_health_degradations_total', { source: 'chat-server', metric: 'drift' })).toEqual([1])

    // It clears; later it is raised again: a second degradation. A source gone leaves no stale gauge.
    summary = { status: 'normal', at: 2, sources: [source('chat-server', 'normal', { phi: 0.7 })] }
    e = await scrape(metrics)
    expect(valueOf(e, 'geometric_health_phi', { source: 'persona:Ada' })).toEqual([])
    expect(valueOf(e, 'geometric_health_source_status', { source: 'chat-server' })).toEqual([1])
    expect(samplesOf(e, 'geometric_health_source_status', { source: 'chat-server' })[0].labels.severity).toBe('normal')
    summary = { status: 'critical', at: 3, sources: [source('chat-server', 'critical', { phi: 0.2 }, [issue('drift', 300), issue('phi_low', 300)])] }
    e = await scrape(metrics)
    expect(valueOf(e, 'geometric_health_degradations_total', { source: 'chat-server', metric: 'drift' })).toEqual([2])
    expect(valueOf(e, 'geometric_health_degradations_total', { source: 'chat-server', metric: 'phi_low' })).toEqual([1])
  })

  it('leaves the health gauges out while the monitor is not ready, and still answers with the rest', async () => {
    const metrics = new WardenMetrics(
      {
        health: () => {
          throw new WardenError('UNAVAILABLE', 'The health monitor is being built')
        },
        inference: () => {
          throw new Error('a scheduler bug')
        },
        modules: async () => ({ hibernated: 3, archived: 1 }),
      },
      { processMetrics: false },
    )
    const e = await scrape(metrics)
    expect(e.types.get('geometric_health_phi')).toBe('gauge')
    expect(samplesOf(e, 'geometric_health_status')).toEqual([])
    expect(valueOf(e, 'warden_workers', { state: 'ready' })).toEqual([0])
    expect(valueOf(e, 'warden_modules', { state: 'hibernated' })).toEqual([3])
  })

  it('reads workers and the queue, and counts generations by outcome', async () => {
    const metrics = new WardenMetrics(
      {
        inference: () => ({
          workers: [
            { modelId: 'a', state: 'ready', memoryBytes: 100, rssBytes: 150, tokensPerSecond: 42.5, restarts: 0, crashes: 0 },
            { modelId: 'b', state: 'busy', memoryBytes: 200, rssBytes: null, tokensPerSecond: null, restarts: 2, crashes: 2 },
            { modelId: 'c', state: 'busy', memoryBytes: 300, rssBytes: null, tokensPerSecond: null, restarts: 0, crashes: 0 },
          ],
          spares: 1,
          queueDepth: 4,
          queueMax: 64,
        }),
      },
      { processMetrics: false },
    )
    metrics.observeGeneration({ modelId: 'a', persona: 'Ada', ok: true, error: null, tokens: 12, totalMs: 1500, queueWaitMs: 20 })
    metrics.observeGeneration({ modelId: 'a', persona: null, ok: false, error: 'TIMEOUT', tokens: 0, totalMs: 30_000, queueWaitMs: null })
    metrics.observeGeneration({ modelId: 'a', persona: null, ok: false, error: 'something odd', tokens: 0, totalMs: 1, queueWaitMs: null })
    const e = await scrape(metrics)
    expect(valueOf(e, 'warden_workers', { state: 'busy' })).toEqual([2])
    expect(valueOf(e, 'warden_workers', { state: 'quarantined' })).toEqual([0])
    expect(valueOf(e, 'warden_spare_workers')).toEqual([1])
    expect(valueOf(e, 'warden_queue_depth')).toEqual([4])
    expect(valueOf(e, 'warden_worker_memory_bytes', { model: 'c' })).toEqual([300])
    expect(valueOf(e, 'warden_worker_resident_memory_bytes', { model: 'b' })).toEqual([])
    expect(valueOf(e, 'warden_worker_tokens_per_second', { model: 'a' })).toEqual([42.5])
    expect(valueOf(e, 'warden_worker_restarts', { model: 'b' })).toEqual([2])
    expect(valueOf(e, 'warden_generations_total', { model: 'a', persona: 'Ada', outcome: 'ok' })).toEqual([1])
    expect(valueOf(e, 'warden_generations_total', { model: 'a', persona: '', outcome: 'timeout' })).toEqual([1])
    // An error that is not one of Warden's codes does not become a label value of its own.
    expect(valueOf(e, 'warden_generations_total', { model: 'a', outcome: 'error' })).toEqual([1])
    expect(valueOf(e, 'warden_generated_tokens_total', { model: 'a', persona: 'Ada' })).toEqual([12])
    expect(valueOf(e, 'warden_generation_duration_seconds_sum', { model: 'a' })).toEqual([1.5])
    expect(valueOf(e, 'warden_queue_wait_seconds_count')).toEqual([1])
  })

  it('keeps the healing engine’s counters and histograms, and bounds the request labels', async () => {
    const metrics = new WardenMetrics({}, { processMetrics: false })
    metrics.healingAttempted()
    metrics.healingAttempted()
    metrics.healingSucceeded()
    metrics.healingFailed()
    metrics.observeFitness(0.72)
    metrics.observePatchPhase('testing', 12)
    const end = metrics.timePatchPhase('application')
    end()
    metrics.observeRequest('api', 204, 0.01)
    metrics.observeRequest('api', 599, 0.01)
    metrics.observeRequest('/etc/passwd' as RouteGroup, 404, 0.01)
    const e = await scrape(metrics)
    expect(valueOf(e, 'healing_attempts_total')).toEqual([2])
    expect(valueOf(e, 'healing_success_total')).toEqual([1])
    expect(valueOf(e, 'healing_failures_total')).toEqual([1])
    expect(valueOf(e, 'healing_fitness_score_bucket', { le: '0.8' })).toEqual([1])
    expect(valueOf(e, 'healing_fitness_score_bucket', { le: '0.7' })).toEqual([0])
    expect(valueOf(e, 'healing_patch_testing_duration_seconds_sum')).toEqual([12])
    expect(valueOf(e, 'healing_patch_application_duration_seconds_count')).toEqual([1])
    expect(valueOf(e, 'healing_patch_generation_duration_seconds_count')).toEqual([0])
    expect(valueOf(e, 'warden_http_request_duration_seconds_count', { route: 'api', status_class: '2xx' })).toEqual([1])
    expect(valueOf(e, 'warden_http_request_duration_seconds_count', { route: 'api', status_class: '5xx' })).toEqual([1])
    expect(valueOf(e, 'warden_http_request_duration_seconds_count', { route: 'other', status_class: '4xx' })).toEqual([1])
  })

  it('keeps its own registry: two instances never share a series', async () => {
    const a = new WardenMetrics({}, { processMetrics: false })
    const b = new WardenMetrics({}, { processMetrics: false })
    a.healingAttempted()
    expect(valueOf(await scrape(b), 'healing_attempts_total')).toEqual([0])
    expect(valueOf(await scrape(a), 'healing_attempts_total')).toEqual([1])
  })
})
