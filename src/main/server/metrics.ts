import type * as http from 'node:http'
import type { InferenceService } from '../services/inference/InferenceService'
import type { WardenHost } from '../services/host/WardenHost'
import { WardenMetrics, type ModuleCounts, type RouteGroup } from '../services/health/WardenMetrics'
import { bearerOf, parseRequestUrl, sendJson } from './requests'

/** Module counts are read again after a change, or after this long (a change another process made unseen). */
const MODULE_COUNTS_MAX_AGE_MS = 60_000

/**
 * The server's metrics, reading this host: the health summary, the workers once inference has
 * started (a scrape never starts it, nor its workers), the open workspace's hibernated and archived
 * modules; each generation and each degradation counted as it happens. `dispose` stops listening.
 */
export function serverMetrics(host: WardenHost): { metrics: WardenMetrics; dispose: () => void } {
  let inference: InferenceService | null = null
  let modules: { at: number; counts: Promise<ModuleCounts | null> } | null = null
  const metrics = new WardenMetrics({
    health: () => host.health.summary(),
    inference: async () => {
      if (!inference) return null
      const { scheduler } = inference
      // Fresh resident memory of each worker; one that does not answer in time keeps its last reading.
      await scheduler.refreshStats(300)
      return { workers: scheduler.list(), spares: scheduler.spares().spares.length, queueDepth: scheduler.queueDepth(), queueMax: inference.settings.get().maxQueueSize }
    },
    modules: () => {
      if (!host.workspaceInfo()) return null
      if (!modules || Date.now() - modules.at > MODULE_COUNTS_MAX_AGE_MS) modules = { at: Date.now(), counts: countModules(host) }
      return modules.counts
    },
  })
  const stops: Array<() => void> = []
  stops.push(
    host.healing.useMetrics(metrics),
    host.whenInference((started) => {
      inference = started
      stops.push(started.onDidGenerate((e) => metrics.observeGeneration(e)))
    }),
    host.onEvent(({ event }) => {
      if (event === 'modules.changed' || event === 'workspace.changed') modules = null
      // Degradations are counted as they are raised, not only when scraped (one raised and cleared between scrapes).
      if (event === 'health.changed') {
        Promise.resolve()
          .then(() => host.health.summary())
          .then((summary) => metrics.noteHealth(summary))
          .catch(() => {}) // not ready: the next scrape reads it
      }
    }),
  )
  return { metrics, dispose: () => stops.splice(0).forEach((stop) => stop()) }
}

async function countModules(host: WardenHost): Promise<ModuleCounts> {
  const hibernation = host.requireHibernation()
  const [hibernated, archived] = await Promise.all([hibernation.listHibernated(undefined, false), hibernation.listArchived()])
  return { hibernated: hibernated.length, archived: archived.modules.length }
}

/** The route group a request counts under (never its raw path: the label's values stay a handful). */
export function routeGroupOf(rawUrl: string | undefined): RouteGroup {
  const pathname = parseRequestUrl(rawUrl)?.pathname
  if (pathname === undefined) return 'invalid'
  if (pathname === '/metrics') return 'metrics'
  if (pathname === '/v1' || pathname.startsWith('/v1/')) return 'v1'
  if (pathname === '/api/health' || pathname === '/api/hello') return 'hello'
  if (pathname.startsWith('/api/self-healing/')) return 'self_healing'
  if (pathname === '/api' || pathname.startsWith('/api/')) return 'api'
  return 'static'
}

export interface MetricsAccess {
  /** The request comes from no page, or from this server's own UI (`originAllowed`). */
  sameOrigin: boolean
  /** Whether a bearer credential is accepted: the server's token or an API key. */
  accepts: (credential: string | null) => boolean
}

/**
 * `GET /metrics`: the Prometheus text exposition. Like `/api`, never for other web pages (no CORS,
 * 403 with an Origin not this server's); the credential is a bearer token, as Prometheus sends it
 * (`authorization.credentials_file`): the server's token, or an API key so that a scraper's
 * configuration never holds the token that reaches every operation.
 */
export async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse, metrics: WardenMetrics, access: MetricsAccess): Promise<void> {
  req.resume()
  if (!access.sameOrigin) {
    return sendJson(res, 403, { ok: false, error: { code: 'INVALID_INPUT', message: 'Requests from other web pages are refused', hint: 'Prometheus and curl send no Origin; a web page cannot read /metrics.' } })
  }
  if (!access.accepts(bearerOf(req))) {
    return sendJson(
      res,
      401,
      { ok: false, error: { code: 'INVALID_INPUT', message: 'Missing or wrong token', hint: 'Send Authorization: Bearer <API key> (warden api-key create --name prometheus), or the token `warden serve` printed.' } },
      { 'www-authenticate': 'Bearer realm="warden"' },
    )
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendJson(res, 405, { ok: false, error: { code: 'INVALID_INPUT', message: `${req.method} /metrics is not a route: use GET` } }, { allow: 'GET, HEAD' })
  }
  const body = await metrics.exposition()
  res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
  res.end(req.method === 'HEAD' ? undefined : body)
}
