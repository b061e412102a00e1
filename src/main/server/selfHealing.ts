import type http from 'node:http'
import type { HealingStatus, Patch } from '../../shared/contract/domains/healing'
import type { Result } from '../../shared/errors'
import type { WardenHost } from '../services/host/WardenHost'
import { BodyTooLarge, httpStatusOf, isJsonContentType, readBody, retryHeadersOf, sendJson } from './requests'

/**
 * The seeds' HTTP API under /api/self-healing/ (seed 004), mapped onto the contract's health
 * operations: the same paths and bodies (snake_case, `success`, `health.status`), behind the same
 * token and same-origin rules as the rest of /api (startServer checks them before this runs).
 * The healing routes (`evaluate-patch`, `start`, `stop`, `history`, `status`) map onto healing.*.
 */
export async function handleSelfHealing(host: WardenHost, req: http.IncomingMessage, res: http.ServerResponse, url: URL, jsonLimit: number): Promise<void> {
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`
  const source = url.searchParams.get('source') ?? undefined
  const fail = (status: number, code: string, message: string, hint?: string, headers: Record<string, string> = {}) =>
    sendJson(res, status, { success: false, error: message, code, ...(hint ? { hint } : {}) }, headers)
  // The dispatcher validated each output against the contract, so its shape is the operation's.
  const answer = <T>(result: Result<unknown>, shape: (value: T) => Record<string, unknown>) =>
    result.ok ? sendJson(res, 200, { success: true, ...shape(result.value as T) }) : fail(httpStatusOf[result.error.code], result.error.code, result.error.message, result.error.hint, retryHeadersOf(result.error.code))

  const body = async (): Promise<Record<string, unknown> | null> => {
    if (!isJsonContentType(req)) {
      req.resume()
      fail(415, 'INVALID_INPUT', 'The request body must be JSON (Content-Type: application/json)')
      return null
    }
    try {
      const text = await readBody(req, jsonLimit)
      const value: unknown = text.trim() ? JSON.parse(text) : {}
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(400, 'INVALID_INPUT', 'The request body must be a JSON object')
        return null
      }
      return value as Record<string, unknown>
    } catch (error) {
      if (error instanceof BodyTooLarge) fail(413, 'INVALID_INPUT', error.message)
      else fail(400, 'INVALID_INPUT', `The request body is not valid JSON: ${(error as Error).message}`)
      return null
    }
  }

  switch (route) {
    case 'POST /api/self-healing/snapshot': {
      const input = await body()
      if (!input) return
      return answer(await host.invoke('health.snapshot', input), (v: { source: string; at: number; status: string; drift: number | null }) => ({
        snapshot: { source: v.source, timestamp: v.at, status: v.status, basin_drift: v.drift },
      }))
    }
    case 'GET /api/self-healing/health': {
      if (source) {
        return answer(await host.invoke('health.summary', {}), (v: SummaryShape) => {
          const one = v.sources.find((s) => s.source === source)
          return one ? { health: seedHealth(one) } : { health: { source, status: 'unknown', message: 'no snapshots from this source yet' } }
        })
      }
      return answer(await host.invoke('health.summary', {}), (v: SummaryShape) => ({
        health: { status: v.status, timestamp: v.at, sources: v.sources.map(seedHealth) },
      }))
    }
    case 'GET /api/self-healing/degradation':
      return answer(await host.invoke('health.degradation', source ? { source } : {}), (v: { degraded: boolean; issues: unknown[] }) => ({ degraded: v.degraded, issues: v.issues }))
    case 'POST /api/self-healing/baseline': {
      const input = await body()
      if (!input) return
      const given = { source: input.source ?? 'external', fromLast: input.from_last, basin: input.basin_coords }
      return answer(await host.invoke('health.baseline', given), (v: { source: string; snapshots: number; setAt: number }) => ({ baseline: { source: v.source, snapshots: v.snapshots, set_at: v.setAt } }))
    }
    case 'POST /api/self-healing/evaluate-patch': {
      const input = await body()
      if (!input) return
      // The seed's body: module_name with new_code (the module's new text) or a unified diff.
      const given = { module: input.module_name ?? input.module, diff: input.diff, newCode: input.new_code }
      return answer(await host.invoke('healing.evaluate', given), (p: Patch) => ({ fitness: seedFitness(p), patch: seedPatch(p) }))
    }
    case 'POST /api/self-healing/start':
    case 'POST /api/self-healing/stop': {
      const input = await body()
      if (!input) return
      const starting = route.endsWith('start')
      const loop = await host.invoke(starting ? 'healing.start' : 'healing.stop', {})
      if (!loop.ok) return answer(loop, () => ({}))
      return answer(await host.invoke('health.summary', {}), (v: SummaryShape) => ({
        message: starting ? 'Healing loop started' : 'Healing loop stopped',
        status: seedStatus(v, loop.value as HealingStatus),
      }))
    }
    case 'GET /api/self-healing/history': {
      // The healing engine's attempts; with ?source=, that source's attempts and its snapshots too.
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit')) || 100))
      const attempts = await host.invoke('healing.history', { limit })
      if (!attempts.ok) return answer(attempts, () => ({}))
      const history = (attempts.value as { patches: Patch[] }).patches.filter((p) => !source || p.source === source).map(seedPatch)
      if (!source) return sendJson(res, 200, { success: true, history })
      const since = url.searchParams.get('since') ?? '24h'
      return answer(await host.invoke('health.history', { source, since, points: Number(url.searchParams.get('points') ?? 500) }), (v: unknown) => ({ history, snapshots: v }))
    }
    case 'GET /api/self-healing/status': {
      const healing = await host.invoke('healing.status', {})
      if (!healing.ok) return answer(healing, () => ({}))
      return answer(await host.invoke('health.summary', {}), (v: SummaryShape) => ({ status: seedStatus(v, healing.value as HealingStatus) }))
    }
    default:
      req.resume()
      return fail(404, 'NOT_FOUND', `No route ${req.method} ${url.pathname.slice(0, 200)}`, 'The self-healing API has POST snapshot, GET health, GET degradation, POST baseline, POST evaluate-patch, POST start, POST stop, GET history and GET status.')
  }
}

interface SummaryShape {
  status: string
  at: number
  sources: Array<{
    source: string
    kind: string
    status: string
    regime: string
    issues: unknown[]
    latest: { phi: number | null; kappa: number | null; drift: number | null; errorRate: number | null; latencyMs: number | null; at: number } | null
  }>
}

/** A source's health in the seeds' words (snake_case). */
function seedHealth(s: SummaryShape['sources'][number]) {
  return {
    source: s.source,
    kind: s.kind,
    status: s.status,
    regime: s.regime,
    phi: s.latest?.phi ?? null,
    kappa_eff: s.latest?.kappa ?? null,
    basin_drift: s.latest?.drift ?? null,
    error_rate: s.latest?.errorRate ?? null,
    latency_ms: s.latest?.latencyMs ?? null,
    timestamp: s.latest?.at ?? null,
    issues: s.issues,
  }
}

/** A patch's fitness in the seed's words (code_fitness.py: fitness_score, its parts, recommendation). */
function seedFitness(p: Patch) {
  if (!p.fitness) return null
  const { score, parts, recommendation } = p.fitness
  return { fitness_score: score, phi_improvement: parts.phi, basin_correction: parts.basin, error_reduction: parts.errors, code_quality: parts.quality, recommendation }
}

/** A healing attempt in the seed's words (snake_case). */
function seedPatch(p: Patch) {
  return {
    id: p.id,
    timestamp: p.createdAt,
    source: p.source,
    strategy: p.strategy,
    title: p.title,
    rationale: p.rationale,
    kind: p.change.kind,
    status: p.status,
    diff: p.diff,
    fitness: seedFitness(p),
    sandbox_log: p.sandboxLog,
    decided_by: p.decidedBy,
    applied_at: p.appliedAt,
    rolled_back_at: p.rolledBackAt,
    outcome: p.outcome,
    error: p.error,
  }
}

/** The engine's status in the seed's words: the monitor and the healing loop. */
function seedStatus(v: SummaryShape, h: HealingStatus) {
  return {
    monitor: { running: true, sources: v.sources.length, health: v.status, window: 1000 },
    healing: {
      running: h.running,
      interval_minutes: h.intervalMinutes,
      last_run: h.lastRunAt,
      next_run: h.nextRunAt,
      auto_apply: h.autoApply.enabled,
      auto_apply_kinds: h.autoApply.kinds,
      auto_apply_allowed: h.autoApply.allowed,
      pending: h.counts.proposed,
      applied: h.counts.applied,
      rolled_back: h.counts.rolledBack,
      rejected: h.counts.rejected,
      success_rate: h.counts.successRate,
      phase_gates: h.gates.map((g) => ({ phase: g.phase, title: g.title, met: g.met, conditions: g.conditions })),
    },
  }
}
