import * as fs from 'node:fs'
import * as path from 'node:path'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir, writeModule } from '../../../test/fixtures'
import { inferenceHost, writeTinyModels } from '../../../test/inference'
import { findPromtool, metricNamesIn, parseExposition, promtoolCheck, samplesOf, seriesNames, type Exposition } from '../../../test/prometheus'
import { startServer, type RunningServer } from './startServer'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

const promtool = findPromtool()
/** Runs where promtool is, and in CI (where its absence fails); elsewhere skipped, loudly (findPromtool). */
const withPromtool = promtool || process.env.CI ? it : it.skip

function expectPromtoolAccepts(text: string): void {
  if (!promtool) throw new Error('promtool is missing in CI: .ci/run installs it (the Debian package prometheus)')
  const checked = promtoolCheck(text)
  expect(checked.error).toBeUndefined()
  expect(checked.output).toBe('')
  expect(checked.status).toBe(0)
}

async function serve() {
  const h = inferenceHost()
  await writeTinyModels(path.join(h.home, 'models'), 1)
  await h.call('persona.create', { name: 'Ada', model: 'tiny-1', settings: { temperature: 0, maxTokens: 4 } })
  const ws = tempDir('warden-ws-')
  writeModule(ws, { name: 'hello' })
  writeModule(ws, { name: 'sleepy' })
  await h.host.openWorkspace(ws)
  const server = await startServer(h.host, { port: 0, rendererDir: null })
  cleanups.push(() => h.host.shutdown(), () => server.close())
  return { ...h, server }
}

const scrape = (server: RunningServer, headers: Record<string, string> = { authorization: `Bearer ${server.token}` }, method = 'GET') =>
  fetch(`${server.url}metrics`, { method, headers })

async function exposition(server: RunningServer): Promise<{ text: string; parsed: Exposition }> {
  const res = await scrape(server)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  const text = await res.text()
  return { text, parsed: parseExposition(text) }
}

const value = (e: Exposition, name: string, labels: Record<string, string> = {}) => {
  const found = samplesOf(e, name, labels)
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1)
  return found[0].value
}

describe('GET /metrics', () => {
  it('exposes the seeds’ names and Warden’s own after real activity; promtool accepts it; the Grafana dashboard queries only what it exposes', async () => {
    const { server, call } = await serve()
    // A chat through the API, another through /v1 with an API key, a hibernation, a refused call, a random path.
    await call('persona.chat', { name: 'Ada', prompt: 'Hello', stateless: true })
    const key = await call('apiKey.create', { name: 'scripts' })
    const client = new OpenAI({ baseURL: `${server.url}v1`, apiKey: key.key, maxRetries: 0 })
    await client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: 'Hi' }] })
    await client.completions.create({ model: 'Ada', prompt: 'Once upon a time', max_tokens: 3 })
    const long = Array.from({ length: 900 }, (_, i) => `w${i}`).join(' ')
    await expect(client.completions.create({ model: 'Ada', prompt: long })).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' })
    await call('module.hibernate', { name: 'sleepy', reason: 'metrics test' })
    const api = (op: string, body: unknown, token = server.token) =>
      fetch(`${server.url}api/op/${op}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })
    expect((await api('module.list', {})).status).toBe(200)
    expect((await api('module.list', {}, 'wrong')).status).toBe(401)
    expect((await fetch(`${server.url}some/random/path-${Date.now()}`)).status).toBe(503) // no renderer built in this test

    const { text, parsed } = await exposition(server)
    const type = (name: string) => parsed.types.get(name)
    for (const name of ['geometric_health_phi', 'geometric_health_kappa', 'geometric_health_basin_drift', 'geometric_health_status', 'geometric_health_source_status']) expect(type(name), name).toBe('gauge')
    for (const name of ['healing_attempts_total', 'healing_success_total', 'healing_failures_total', 'geometric_health_degradations_total', 'warden_generations_total', 'warden_generated_tokens_total']) expect(type(name), name).toBe('counter')
    for (const phase of ['generation', 'testing', 'application']) expect(type(`healing_patch_${phase}_duration_seconds`)).toBe('histogram')
    for (const name of ['healing_fitness_score', 'warden_http_request_duration_seconds', 'warden_generation_duration_seconds', 'warden_queue_wait_seconds']) expect(type(name), name).toBe('histogram')
    for (const name of ['warden_workers', 'warden_spare_workers', 'warden_queue_depth', 'warden_queue_capacity', 'warden_worker_memory_bytes', 'warden_worker_resident_memory_bytes', 'warden_worker_tokens_per_second', 'warden_modules']) expect(type(name), name).toBe('gauge')
    // Counters without labels start at 0, so a dashboard's rate works before the first patch.
    expect(value(parsed, 'healing_attempts_total')).toBe(0)

    // Two chats and a completion, and a completion refused: counted per model, persona and outcome, with their tokens and times.
    expect(value(parsed, 'warden_generations_total', { model: 'tiny-1', persona: 'Ada', outcome: 'ok' })).toBe(3)
    expect(value(parsed, 'warden_generations_total', { model: 'tiny-1', persona: 'Ada', outcome: 'invalid_input' })).toBe(1)
    expect(value(parsed, 'warden_generated_tokens_total', { model: 'tiny-1', persona: 'Ada' })).toBeGreaterThanOrEqual(3)
    expect(value(parsed, 'warden_generation_duration_seconds_count', { model: 'tiny-1' })).toBe(3)
    expect(value(parsed, 'warden_queue_wait_seconds_count')).toBe(3)
    // The worker that answered, its memory; the empty queue and its capacity.
    expect(value(parsed, 'warden_workers', { state: 'ready' })).toBe(1)
    expect(value(parsed, 'warden_workers', { state: 'crashed' })).toBe(0)
    expect(value(parsed, 'warden_worker_memory_bytes', { model: 'tiny-1' })).toBeGreaterThan(0)
    expect(value(parsed, 'warden_worker_resident_memory_bytes', { model: 'tiny-1' })).toBeGreaterThan(0)
    expect(value(parsed, 'warden_queue_depth')).toBe(0)
    expect(value(parsed, 'warden_queue_capacity')).toBeGreaterThan(0)
    expect(value(parsed, 'warden_modules', { state: 'hibernated' })).toBe(1)
    expect(value(parsed, 'warden_modules', { state: 'archived' })).toBe(0)
    // Requests by route group and status class, never by path.
    expect(value(parsed, 'warden_http_request_duration_seconds_count', { route: 'api', status_class: '2xx' })).toBeGreaterThanOrEqual(1)
    expect(value(parsed, 'warden_http_request_duration_seconds_count', { route: 'api', status_class: '4xx' })).toBe(1)
    expect(value(parsed, 'warden_http_request_duration_seconds_count', { route: 'v1', status_class: '2xx' })).toBe(2)
    expect(value(parsed, 'warden_http_request_duration_seconds_count', { route: 'v1', status_class: '4xx' })).toBe(1)
    expect(value(parsed, 'warden_http_request_duration_seconds_count', { route: 'static', status_class: '5xx' })).toBe(1)
    expect(text).not.toContain('random/path')
    const routes = new Set(samplesOf(parsed, 'warden_http_request_duration_seconds_count').map((s) => s.labels.route))
    expect([...routes].sort()).toEqual(['api', 'static', 'v1'])
    // Node's own process metrics, in the same registry.
    expect(value(parsed, 'process_resident_memory_bytes')).toBeGreaterThan(0)

    // The scrape itself is counted by the next one.
    const again = parseExposition(await (await scrape(server)).text())
    expect(value(again, 'warden_http_request_duration_seconds_count', { route: 'metrics', status_class: '2xx' })).toBe(1)

    // Every metric the Grafana dashboard queries is one this server exposes.
    const dashboard = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../resources/grafana/warden-dashboard.json'), 'utf8')) as GrafanaDashboard
    const exposed = seriesNames(parsed)
    const queries = dashboardQueries(dashboard)
    expect(queries.length).toBeGreaterThan(15)
    for (const { panel, expr } of queries) {
      const names = metricNamesIn(expr)
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0)
      for (const name of names) expect(exposed.has(name), `${panel} queries ${name}, which /metrics does not expose`).toBe(true)
    }

    if (promtool || process.env.CI) expectPromtoolAccepts(text)
  }, 120_000)

  withPromtool('promtool check metrics accepts the exposition, and rejects a broken one (the check can fail)', async () => {
    const { server } = await serve()
    const { text } = await exposition(server)
    expectPromtoolAccepts(text)
    const broken = promtoolCheck(`${text}# TYPE warden_broken counter\nwarden_broken{a="1" 2\n`)
    expect(broken.status).not.toBe(0)
    const lint = promtoolCheck('# HELP requests Requests\n# TYPE requests counter\nrequests 1\n')
    expect(lint.output).toContain('counter metrics should have "_total" suffix')
  }, 60_000)

  it('needs the token or an API key, and refuses other web pages', async () => {
    const { server, call } = await serve()
    const noToken = await scrape(server, {})
    expect(noToken.status).toBe(401)
    expect(noToken.headers.get('www-authenticate')).toContain('Bearer')
    expect((await noToken.json()).error.message).toContain('token')
    expect((await scrape(server, { authorization: `Bearer ${'f'.repeat(64)}` })).status).toBe(401)
    expect((await scrape(server, { authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}` })).status).toBe(401)

    // An API key (what a Prometheus configuration should hold), until it is revoked.
    const key = await call('apiKey.create', { name: 'prometheus' })
    const withKey = await scrape(server, { authorization: `Bearer ${key.key}` })
    expect(withKey.status).toBe(200)
    expect(await withKey.text()).toContain('# TYPE geometric_health_phi gauge')
    await call('apiKey.revoke', { name: 'prometheus' })
    expect((await scrape(server, { authorization: `Bearer ${key.key}` })).status).toBe(401)

    // Other web pages cannot read it, with or without a credential; no CORS header invites them.
    for (const origin of ['https://evil.example', 'http://127.0.0.1:1', 'null']) {
      const res = await scrape(server, { authorization: `Bearer ${server.token}`, origin })
      expect(res.status, origin).toBe(403)
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
      expect(await res.text()).not.toContain('geometric_health')
    }
    // This server's own UI may (same origin).
    expect((await scrape(server, { authorization: `Bearer ${server.token}`, origin: server.url.replace(/\/$/, '') })).status).toBe(200)

    // Only GET (and HEAD).
    const head = await scrape(server, { authorization: `Bearer ${server.token}` }, 'HEAD')
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    const post = await scrape(server, { authorization: `Bearer ${server.token}` }, 'POST')
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
  }, 60_000)

  it('leaves inference unstarted: scraping a fresh server starts no worker', async () => {
    const h = inferenceHost()
    const server = await startServer(h.host, { port: 0, rendererDir: null })
    cleanups.push(() => h.host.shutdown(), () => server.close())
    const { parsed } = await exposition(server)
    expect(value(parsed, 'warden_workers', { state: 'ready' })).toBe(0)
    expect(value(parsed, 'warden_spare_workers')).toBe(0)
    expect(samplesOf(parsed, 'warden_modules')).toEqual([]) // no workspace open
    let started = false
    h.host.whenInference(() => (started = true))
    await exposition(server)
    expect(started).toBe(false)
  })
})

interface GrafanaPanel {
  title?: string
  type?: string
  targets?: Array<{ expr?: string }>
  panels?: GrafanaPanel[]
}
interface GrafanaDashboard {
  schemaVersion: number
  panels: GrafanaPanel[]
  templating: { list: Array<{ name: string; type: string; query?: unknown }> }
}

/** Every PromQL query of the dashboard's panels (rows included) and of its query variables. */
function dashboardQueries(d: GrafanaDashboard): Array<{ panel: string; expr: string }> {
  expect(d.schemaVersion).toBeGreaterThanOrEqual(36)
  expect(d.templating.list.find((v) => v.type === 'datasource')).toMatchObject({ name: 'datasource', query: 'prometheus' })
  const out: Array<{ panel: string; expr: string }> = []
  const visit = (panels: GrafanaPanel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title ?? '?', expr: t.expr })
      if (p.type !== 'row') expect(p.targets?.length, p.title).toBeGreaterThan(0)
      visit(p.panels ?? [])
    }
  }
  visit(d.panels)
  for (const v of d.templating.list) {
    const query = typeof v.query === 'object' && v.query ? (v.query as { query?: string }).query : undefined
    const inner = query && /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1]
    if (inner) out.push({ panel: `variable ${v.name}`, expr: inner })
  }
  return out
}
