import type http from 'node:http'
import type { Result } from '../../shared/errors'
import type { WardenHost } from '../services/host/WardenHost'
import { BodyTooLarge, httpStatusOf, isJsonContentType, readBody, retryHeadersOf, sendJson } from './requests'

/**
 * The seeds' HTTP API under /api/self-healing/ (seed 004), mapped onto the contract's health
 * operations: the same paths and bodies (snake_case, `success`, `health.status`), behind the same
 * token and same-origin rules as the rest of /api (startServer checks them before this runs).
 * The healing routes (`evaluate-patch`, `start`, `stop`) come with the healing engine.
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
    case 'GET /api/self-healing/history': {
      // The seeds' history is the healing engine's attempts (none until it runs); with ?source=, that source's snapshots too.
      if (!source) return sendJson(res, 200, { success: true, history: [] })
      const since = url.searchParams.get('since') ?? '24h'
      return answer(await host.invoke('health.history', { source, since, points: Number(url.searchParams.get('points') ?? 500) }), (v: unknown) => ({ history: [], snapshots: v }))
    }
    case 'GET /api/self-healing/status':
      return answer(await host.invoke('health.summary', {}), (v: SummaryShape) => ({
        status: {
          monitor: { running: true, sources: v.sources.length, health: v.status, window: 1000 },
          healing: { running: false, auto_apply: false, note: 'the healing engine is not part of this version yet' },
        },
      }))
    default:
      req.resume()
      return fail(404, 'NOT_FOUND', `No route ${req.method} ${url.pathname.slice(0, 200)}`, 'The self-healing API has POST snapshot, GET health, GET degradation, POST baseline, GET history and GET status.')
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
