/**
 * `npm run bench -- health`: the health monitor's storage and detection, in process.
 * 1. Snapshot ingest (store + detection), one transaction per snapshot (the baseline) against
 *    batches of one tick's snapshots from many sources.
 * 2. The degradation check of one source: detect() on its latest snapshot, and trends() over its
 *    1,000-snapshot window (goal ≤ 1 ms; the seeds aimed at < 100 ms).
 * 3. A chart query over 1,000,000 stored snapshots of one source (goal ≤ 50 ms), against the
 *    baseline of reading the same range from the raw table and bucketing it in JS.
 * 4. Snapshot ingest through the whole monitor: the contract call in process (validation, drift,
 *    detection, store, events) against the seeds' HTTP API (POST /api/self-healing/snapshot, 8 at a time).
 * HEALTH_POINTS=n stores another number of snapshots for 3.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { WardenHost } from '../src/main/services/host/WardenHost'
import { startServer } from '../src/main/server/startServer'
import { healthMetricNames } from '../src/shared/contract/domains/health'
import { WardenDatabase } from '../src/main/services/storage/Database'
import { HealthStore } from '../src/main/services/health/HealthStore'
import { metricColumn } from '../src/main/services/health/healthRows'
import { detect, emptyDetectorState, trends } from '../src/main/services/health/detection'
import type { DetectorState, HealthThresholds, StoredSnapshot } from '../src/main/services/health/types'

const THRESHOLDS: HealthThresholds = { phiMin: 0.65, phiMax: 0.85, driftMax: 2, errorRateMax: 0.05, latencyMaxMs: 2000, alertAfter: 3 }
const T0 = Date.parse('2026-11-01T00:00:00Z')

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const f = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })
const ratio = (x: number) => `${x >= 10 ? f(x) : f(x, 1)}x`

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  return [line(head), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

function basin(seed: number): number[] {
  const v = Array.from({ length: 64 }, (_, i) => Math.sin(seed * 0.37 + i * 1.3))
  const norm = Math.hypot(...v)
  return v.map((x) => x / norm)
}

/** A plausible snapshot: Φ wandering around 0.75 with an excursion, latency and errors with noise. */
function snapshot(source: string, i: number, at: number, withBasin: boolean): StoredSnapshot {
  const phi = 0.75 + 0.08 * Math.sin(i / 300) + ((i * 7919) % 100) / 2000
  return {
    source, kind: 'persona', at, phi, kappa: 64 + 4 * Math.sin(i / 50), drift: 0.3 + 0.2 * Math.sin(i / 900),
    confidence: 0.8, surprise: 0.2, agency: 0.5, latencyMs: 400 + ((i * 31) % 300), ttftMs: 80, tokensPerSecond: 40 - (i % 5),
    errorRate: i % 97 === 0 ? 0.1 : 0, queueWaitMs: 3, memoryBytes: 2e9 + (i % 1000) * 1e5, restarts: 0, status: 'normal',
    basin: withBasin ? basin(i % 50) : null,
  }
}

function openStore(dir: string, name: string): { database: WardenDatabase; store: HealthStore } {
  const database = new WardenDatabase(path.join(dir, `${name}.db`))
  return { database, store: new HealthStore(database) }
}

// ------------------------------------------------------------------------------------------ 1. ingest

function ingestBench(dir: string): string {
  const SOURCES = 10
  const TICKS = 1500
  const total = SOURCES * TICKS
  const ticks = Array.from({ length: TICKS }, (_, t) => Array.from({ length: SOURCES }, (_, s) => snapshot(`persona:p${s}`, t, T0 + t * 60_000, true)))
  const runOnce = (mode: 'single' | 'batched' | 'bulk', round: number): number => {
    const { database, store } = openStore(dir, `ingest-${mode}-${round}`)
    const states = new Map<string, DetectorState>()
    const t = performance.now()
    for (const tick of ticks) {
      for (const s of tick) states.set(s.source, detect(states.get(s.source) ?? emptyDetectorState(), s, THRESHOLDS, s.at).state)
      if (mode === 'batched') store.insertMany(tick)
      else if (mode === 'single') for (const s of tick) store.insert(s)
    }
    if (mode === 'bulk') store.insertMany(ticks.flat())
    const ms = performance.now() - t
    database.dispose()
    return ms
  }
  const single: number[] = []
  const batched: number[] = []
  const bulk: number[] = []
  // Alternate them so drift on a busy machine hits all alike.
  for (let round = 0; round < 3; round++) {
    single.push(runOnce('single', round))
    batched.push(runOnce('batched', round))
    bulk.push(runOnce('bulk', round))
  }
  const rate = (ms: number) => total / (ms / 1000)
  return [
    `1. Snapshot ingest: ${f(total)} snapshots (${SOURCES} sources × ${f(TICKS)} ticks, each with a 64-number basin), detection + store with minute/hour roll-ups; median of 3.`,
    table(
      ['', 'ms', 'snapshots/s', 'vs one per transaction'],
      [
        ['one transaction per snapshot', f(median(single)), f(rate(median(single))), '1.0x'],
        [`a tick per transaction (${SOURCES})`, f(median(batched)), f(rate(median(batched))), ratio(median(single) / median(batched))],
        ['all in one transaction (an import)', f(median(bulk)), f(rate(median(bulk))), ratio(median(single) / median(bulk))],
      ],
    ),
    '   A commit writes every page it touched: with one tick per transaction, each source\'s rows in the index and the two roll-ups.',
  ].join('\n')
}

// ------------------------------------------------------------------------------------------ 2. check

function checkBench(): string {
  const WINDOW = 1000
  const window = Array.from({ length: WINDOW }, (_, i) => snapshot('persona:p', i, T0 + i * 60_000, false))
  // Detection over a long sequence that crosses thresholds (Φ excursions, error bursts).
  const seq = Array.from({ length: 200_000 }, (_, i) => snapshot('persona:p', i, T0 + i * 1000, false))
  const detectRuns: number[] = []
  const trendRuns: number[] = []
  let raised = 0
  for (let round = 0; round < 5; round++) {
    let state = emptyDetectorState()
    let t = performance.now()
    for (const s of seq) {
      const d = detect(state, s, THRESHOLDS, s.at)
      state = d.state
      raised += d.issues.length
    }
    detectRuns.push(((performance.now() - t) * 1000) / seq.length)
    t = performance.now()
    for (let k = 0; k < 200; k++) trends(window)
    trendRuns.push(((performance.now() - t) * 1000) / 200)
  }
  const d = median(detectRuns)
  const tr = median(trendRuns)
  return [
    `2. Degradation check of one source: detect() on its latest snapshot (5 issue kinds, hysteresis), mean over ${f(seq.length)} snapshots (${f(raised / 5)} issue-snapshots raised);`,
    `   trends() over its ${f(WINDOW)}-snapshot window (7 least-squares slopes); median of 5. Goal ≤ 1 ms; the seeds aimed at < 100 ms.`,
    table(
      ['', 'µs', 'vs goal 1 ms', 'vs seeds 100 ms'],
      [
        ['detect()', f(d, 2), ratio(1000 / d), ratio(100_000 / d)],
        ['trends(1,000)', f(tr, 1), ratio(1000 / tr), ratio(100_000 / tr)],
        ['both', f(d + tr, 1), ratio(1000 / (d + tr)), ratio(100_000 / (d + tr))],
      ],
    ),
  ].join('\n')
}

// ------------------------------------------------------------------------------------------ 3. chart

/** The baseline: every raw snapshot in the range, bucketed in JS into mean, min and max. */
function chartFromRaw(database: WardenDatabase, source: string, since: number, until: number, points: number): number {
  const columns = healthMetricNames.map(metricColumn)
  const rows = database.db.prepare(`SELECT at, ${columns.join(', ')} FROM health_snapshots WHERE source = ? AND at >= ? AND at <= ?`).raw().iterate(source, since, until) as Iterable<Array<number | null>>
  const width = Math.ceil((until - since + 1) / points)
  const k = columns.length
  const count = new Float64Array(points)
  const n = new Float64Array(points * k)
  const sum = new Float64Array(points * k)
  const min = new Float64Array(points * k).fill(Infinity)
  const max = new Float64Array(points * k).fill(-Infinity)
  for (const r of rows) {
    const g = Math.floor(((r[0] as number) - since) / width)
    count[g]++
    for (let i = 0; i < k; i++) {
      const v = r[i + 1]
      if (v === null) continue
      const j = g * k + i
      n[j]++
      sum[j] += v
      if (v < min[j]) min[j] = v
      if (v > max[j]) max[j] = v
    }
  }
  let buckets = 0
  for (let g = 0; g < points; g++) if (count[g] > 0) buckets++
  return buckets
}

function chartBench(dir: string): string {
  const total = Number(process.env.HEALTH_POINTS ?? 1_000_000)
  const STEP = 1000
  const { database, store } = openStore(dir, 'chart')
  const source = 'persona:Chart'
  // Built in one transaction, chunk by chunk (roll-ups summed per chunk); no basins: 1M of them
  // would be 512 MB, and the raw table holds two days of snapshots in use, not a million.
  let t = performance.now()
  database.db.transaction(() => {
    for (let at = 0; at < total; at += 50_000) {
      const chunk: StoredSnapshot[] = []
      for (let i = at; i < Math.min(total, at + 50_000); i++) chunk.push(snapshot(source, i, T0 + i * STEP, false))
      store.insertMany(chunk)
    }
  })()
  const buildMs = performance.now() - t
  database.db.pragma('wal_checkpoint(TRUNCATE)')
  const size = fs.statSync(path.join(dir, 'chart.db')).size
  const end = T0 + total * STEP
  const POINTS = 500
  const ranges: Array<[string, number]> = [
    [`all ${f((total * STEP) / 86_400_000, 1)} days (${f(total)} snapshots)`, total * STEP],
    ['last 24 hours', 86_400_000],
    ['last 2 hours', 7_200_000],
  ]
  const rows: string[][] = []
  for (const [label, span] of ranges) {
    const since = Math.max(T0, end - span)
    const store_: number[] = []
    const raw: number[] = []
    let resolution = ''
    let got = 0
    for (let round = 0; round < 5; round++) {
      t = performance.now()
      const h = store.history(source, since, end, POINTS)
      store_.push(performance.now() - t)
      resolution = h.resolution
      got = h.points.length
      // The raw read of a million rows takes seconds: three rounds are enough.
      if (round < 3) {
        t = performance.now()
        chartFromRaw(database, source, since, end, POINTS)
        raw.push(performance.now() - t)
      }
    }
    rows.push([label, resolution, f(got), f(median(store_), 2), f(median(raw), 1), ratio(median(raw) / median(store_))])
  }
  database.dispose()
  return [
    `3. Chart query: one source with ${f(total)} snapshots stored (one a second; built in ${f(buildMs / 1000, 1)} s, ${f(size / 1024 / 1024)} MB with roll-ups), ${POINTS} points asked,`,
    '   all 13 metrics (mean, min, max per bucket); store.history() against reading the raw rows and bucketing in JS; median of 5 (raw: of 3). Goal ≤ 50 ms.',
    table(['range', 'resolution', 'points', 'history() ms', 'raw + JS ms', 'faster'], rows),
  ].join('\n')
}

// ------------------------------------------------------------------------------- 4. through the API

async function apiIngestBench(dir: string): Promise<string> {
  const N = 3000
  const host = new WardenHost({ home: path.join(dir, 'api-home'), runtime: 'server', watch: false })
  const server = await startServer(host, { port: 0, rendererDir: null, token: 'b'.repeat(64) })
  try {
    const body = (i: number) => ({ source: `ocean-${i % 10}`, phi: 0.7 + (i % 10) / 100, kappa_eff: 64, basin_coords: basin(i % 50), confidence: 0.8, surprise: 0.2, agency: 0.6 })
    let t = performance.now()
    for (let i = 0; i < N; i++) {
      const r = await host.invoke('health.snapshot', body(i))
      if (!r.ok) throw new Error(r.error.message)
    }
    const inProcess = N / ((performance.now() - t) / 1000)
    const post = async (i: number) => {
      const res = await fetch(`${server.url}api/self-healing/snapshot`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${'b'.repeat(64)}` }, body: JSON.stringify(body(i)) })
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`)
      await res.arrayBuffer()
    }
    t = performance.now()
    let next = 0
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < N) await post(next++)
    }))
    const overHttp = N / ((performance.now() - t) / 1000)
    return [
      `4. Snapshot ingest through the monitor (validation, drift, detection, store, events), ${f(N)} snapshots of 10 sources each way.`,
      table(['path', 'snapshots/s', 'vs in process'], [
        ['contract call in process', f(inProcess), '1.0x'],
        ['POST /api/self-healing/snapshot (8 at a time)', f(overHttp), ratio(overHttp / inProcess)],
      ]),
    ].join('\n')
  } finally {
    await server.close()
    await host.shutdown()
  }
}

export async function runHealthBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-health-'))
  try {
    console.log(`Warden health benchmark (node ${process.version}, ${os.availableParallelism()} cores)\n`)
    console.log(ingestBench(dir) + '\n')
    console.log(checkBench() + '\n')
    console.log(chartBench(dir) + '\n')
    console.log((await apiIngestBench(dir)) + '\n')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
