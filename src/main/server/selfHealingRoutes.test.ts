import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir, writeModule } from '../../../test/fixtures'
import { readingSandbox, weightedFitness } from '../../../test/healing'
import { inferenceHost } from '../../../test/inference'
import type { WardenHost } from '../services/host/WardenHost'
import { startServer, type RunningServer } from './startServer'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

const token = 'b'.repeat(64)
const auth = { authorization: `Bearer ${token}` }
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads the seed's fields of arbitrary depth
type Body = Record<string, any>

async function serve() {
  let host: WardenHost | null = null
  const h = inferenceHost({ healing: { sandbox: readingSandbox(() => host!.health), fitnessOf: weightedFitness, strategies: [] } })
  host = h.host
  const ws = tempDir('warden-ws-')
  const alpha = writeModule(ws, { name: 'alpha' })
  await h.host.openWorkspace(ws)
  const server = await startServer(h.host, { port: 0, rendererDir: null, token })
  cleanups.push(() => h.host.shutdown(), () => server.close())
  return { ...h, server, alpha }
}

async function post(server: RunningServer, route: string, body: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${server.url}api/self-healing/${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as Body }
}
async function get(server: RunningServer, route: string, headers: Record<string, string> = auth) {
  const res = await fetch(`${server.url}api/self-healing/${route}`, { headers })
  return { status: res.status, body: (await res.json()) as Body }
}

const diff = `--- a/index.js\n+++ b/index.js\n@@ -1 +1 @@\n-module.exports = "alpha"\n+module.exports = "alpha, fixed"\n`

describe('the seeds’ healing routes (/api/self-healing/)', () => {
  it('POST evaluate-patch takes module_name with a diff or new_code and answers the fitness in the seed’s words', async () => {
    const { server, alpha } = await serve()
    const r = await post(server, 'evaluate-patch', { module_name: 'alpha', diff })
    expect(r.status).toBe(200)
    expect(r.body.success).toBe(true)
    expect(r.body.fitness).toEqual({
      fitness_score: expect.any(Number),
      phi_improvement: expect.any(Number),
      basin_correction: expect.any(Number),
      error_reduction: expect.any(Number),
      code_quality: 1,
      recommendation: expect.stringMatching(/^(apply|test_more|reject)$/),
    })
    expect(r.body.patch).toMatchObject({ id: expect.stringMatching(/^p-/), status: 'proposed', kind: 'module-diff', diff })
    // Evaluated, not applied.
    expect(fs.readFileSync(path.join(alpha, 'index.js'), 'utf8')).toBe('module.exports = "alpha"\n')

    const code = await post(server, 'evaluate-patch', { module_name: 'alpha', new_code: 'module.exports = 42' })
    expect(code.status).toBe(200)
    expect(code.body.patch.diff).toContain('-module.exports = "alpha"\n+module.exports = 42\n')
  })

  it('refuses bad evaluate-patch bodies with a 4xx naming the problem', async () => {
    const { server } = await serve()
    const missing = await post(server, 'evaluate-patch', { diff })
    expect(missing.status).toBe(400)
    expect(missing.body.error).toMatch(/module/)
    const both = await post(server, 'evaluate-patch', { module_name: 'alpha', diff, new_code: 'x' })
    expect(both.status).toBe(400)
    expect(both.body.error).toContain('exactly one of them')
    const unknown = await post(server, 'evaluate-patch', { module_name: 'nope', new_code: 'x' })
    expect(unknown.status).toBe(404)
    const form = await fetch(`${server.url}api/self-healing/evaluate-patch`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth }, body: '{}' })
    expect(form.status).toBe(415)
  })

  it('POST start and stop run the loop, GET status shows it with the phase gates, behind the token and same origin', async () => {
    const { server } = await serve()
    expect((await post(server, 'start', {}, {})).status).toBe(401)
    expect((await post(server, 'start', {}, { ...auth, origin: 'https://evil.example' })).status).toBe(403)
    expect((await get(server, 'status')).body.status.healing.running).toBe(false)

    const started = await post(server, 'start', {})
    expect(started.body).toMatchObject({ success: true, message: 'Healing loop started', status: { healing: { running: true, interval_minutes: 5 } } })
    const { body } = await get(server, 'status')
    expect(body.status.healing).toMatchObject({ running: true, auto_apply: false, auto_apply_allowed: false, next_run: expect.any(Number) })
    expect(body.status.healing.phase_gates.map((g: Body) => g.phase)).toEqual([1, 2, 3, 4])
    expect(body.status.healing.phase_gates[0].conditions[0]).toMatchObject({ text: '1,000+ health snapshots', met: false })

    expect((await post(server, 'stop', {})).body.status.healing.running).toBe(false)
  })

  it('GET history lists the healing attempts, newest first', async () => {
    const { server, call } = await serve()
    expect((await get(server, 'history')).body).toEqual({ success: true, history: [] })
    const { body } = await post(server, 'evaluate-patch', { module_name: 'alpha', diff })
    await call('healing.approve', { id: body.patch.id })
    await call('healing.rollback', { id: body.patch.id })
    const history = (await get(server, 'history')).body.history
    expect(history).toEqual([expect.objectContaining({ id: body.patch.id, status: 'rolled-back', decided_by: 'person', applied_at: expect.any(Number), rolled_back_at: expect.any(Number) })])
  })
})
