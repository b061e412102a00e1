import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHost } from '../../../test/inference'
import { startServer, type RunningServer } from './startServer'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function serve() {
  const h = inferenceHost()
  const server = await startServer(h.host, { port: 0, rendererDir: null, token: 'a'.repeat(64) })
  cleanups.push(() => h.host.shutdown(), () => server.close())
  return { ...h, server }
}

// The seed's responses, as loosely as a client reads them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads fields of arbitrary depth
type Body = Record<string, any>
const auth = { authorization: `Bearer ${'a'.repeat(64)}` }
const basin = (i: number) => Array.from({ length: 64 }, (_, k) => (k === i ? 1 : 0))

async function post(server: RunningServer, route: string, body: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${server.url}api/self-healing/${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as Body }
}
async function get(server: RunningServer, route: string, headers: Record<string, string> = auth) {
  const res = await fetch(`${server.url}api/self-healing/${route}`, { headers })
  return { status: res.status, body: (await res.json()) as Body }
}

describe("the seeds' self-healing API (/api/self-healing/)", () => {
  it('takes the seed’s snapshot body as it is, and GET health reads health.status as the seed’s TypeScript example does', async () => {
    const { server } = await serve()
    // Exactly seed 004's example body (no source: "external").
    const seedBody = { phi: 0.72, kappa_eff: 64.5, basin_coords: new Array(64).fill(0), confidence: 0.8, surprise: 0.3, agency: 0.7 }
    const taken = await post(server, 'snapshot', seedBody)
    expect(taken.status).toBe(200)
    expect(taken.body.success).toBe(true)
    expect(taken.body.snapshot.source).toBe('external')

    const { body } = await get(server, 'health')
    expect(body.success).toBe(true)
    expect(['normal', 'warning', 'critical', 'unknown']).toContain(body.health.status)
    expect(body.health.sources).toEqual([expect.objectContaining({ source: 'external', phi: 0.72, kappa_eff: 64.5 })])
  })

  it('refuses invalid snapshots with a 400 naming the field, and stores none of them', async () => {
    const { server, call } = await serve()
    const good = { source: 'ocean', phi: 0.7, kappa_eff: 64, basin_coords: basin(0) }
    const bad: Array<[unknown, RegExp]> = [
      [{ ...good, phi: 'NaN' }, /phi/],
      [{ ...good, phi: 1.5 }, /phi is at most 1/],
      [{ ...good, basin_coords: basin(0).slice(1) }, /exactly 64/],
      [{ ...good, basin_coords: [...basin(0).slice(1), null] }, /basin coordinate/],
      [{ ...good, confidence: -0.1 }, /confidence/],
      [{ ...good, kappa_eff: -1 }, /kappa_eff/],
      [{ ...good, source: 'persona:Ada' }, /Warden's own/],
      [{ ...good, timestamp: Date.now() + 10 * 24 * 3600_000 }, /future/],
      [[good], /JSON object/],
    ]
    for (const [body, message] of bad) {
      const r = await post(server, 'snapshot', body)
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(r.body.success).toBe(false)
      expect(r.body.error).toMatch(message)
    }
    // NaN itself cannot travel in JSON; 1e999 parses to Infinity.
    const inf = await fetch(`${server.url}api/self-healing/snapshot`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '{"phi":1e999,"kappa_eff":64,"basin_coords":[' + basin(0).join(',') + ']}' })
    expect(inf.status).toBe(400)
    expect((await call('health.summary', { watch: false })).sources).toEqual([])
  })

  it('needs the token, refuses other web pages, and answers 404 for unknown routes', async () => {
    const { server } = await serve()
    expect((await get(server, 'health', {})).status).toBe(401)
    expect((await get(server, 'health', { ...auth, origin: 'https://evil.example' })).status).toBe(403)
    expect((await post(server, 'snapshot', { phi: 0.7 }, { origin: 'https://evil.example' })).status).toBe(403)
    const missing = await get(server, 'nothing-here')
    expect(missing.status).toBe(404)
    expect(missing.body.error).toMatch(/No route/)
  })

  it('detects drift from the baseline and degradation after the minimum run, and recovers', async () => {
    const { server } = await serve()
    // Baseline from coordinates given, then snapshots pointing elsewhere: drift π/2 > … no: set a low threshold via settings.
    expect((await post(server, 'baseline', { source: 'ocean', basin_coords: basin(0) })).status).toBe(404) // unknown source until it sends
    await post(server, 'snapshot', { source: 'ocean', phi: 0.75, kappa_eff: 64, basin_coords: basin(0) })
    const set = await post(server, 'baseline', { source: 'ocean', basin_coords: basin(0) })
    expect(set.status).toBe(200)
    // Φ too high (breakdown) for 3 snapshots (healthAlertAfter): degraded; one outlier is not.
    await post(server, 'snapshot', { source: 'ocean', phi: 0.95, kappa_eff: 64, basin_coords: basin(0) })
    expect((await get(server, 'degradation?source=ocean')).body.degraded).toBe(false)
    await post(server, 'snapshot', { source: 'ocean', phi: 0.75, kappa_eff: 64, basin_coords: basin(0) })
    for (let i = 0; i < 3; i++) await post(server, 'snapshot', { source: 'ocean', phi: 0.95, kappa_eff: 64, basin_coords: basin(0) })
    const degraded = (await get(server, 'degradation?source=ocean')).body
    expect(degraded.degraded).toBe(true)
    expect(degraded.issues[0]).toMatchObject({ source: 'ocean', metric: 'phi_high' })
    expect((await get(server, 'health?source=ocean')).body.health.status).not.toBe('normal')

    // Drift: the basin turned by 90° from the baseline (π/2 < 2.0 rad) is fine; opposite (π) is not.
    const turned = await post(server, 'snapshot', { source: 'ocean', phi: 0.75, kappa_eff: 64, basin_coords: basin(1) })
    expect(turned.body.snapshot.basin_drift).toBeCloseTo(Math.PI / 2, 5)
    const opposite = await post(server, 'snapshot', { source: 'ocean', phi: 0.75, kappa_eff: 64, basin_coords: basin(0).map((v) => -v) })
    expect(opposite.body.snapshot.basin_drift).toBeCloseTo(Math.PI, 5)

    const status = (await get(server, 'status')).body
    expect(status.status.monitor.sources).toBe(1)
    const history = (await get(server, 'history?source=ocean')).body
    expect(history.snapshots.points.length).toBeGreaterThan(0)
  })
})
