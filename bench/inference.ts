/**
 * The inference half of `npm run bench` (alone: `npm run bench -- inference`, or BENCH=inference).
 * Real workers on generated random-weight models; every figure is a ratio against a baseline measured
 * in the same run, never an absolute threshold:
 *   1. worker overhead: tokens/s through a worker process vs the same model in process;
 *   2. main-process responsiveness: event-loop delay and API round trips while three workers
 *      generate, vs idle;
 *   3. thread assignment: aggregate tokens/s of 1–3 concurrent workers, Warden's thread choice vs
 *      node-llama-cpp's default;
 *   4. paging: a request that swaps its model in vs a warm one, and worker cold starts;
 *   5. a long conversation (bench/conversation.ts): turn latency and worker CPU over 500 turns;
 *   6. LoRA adapter hot-swap (bench/adapters.ts): swap latency vs the same set, a fresh context and the seed's 500 ms.
 */
import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { startServer } from '../src/main/server/startServer'
import { WardenHost } from '../src/main/services/host/WardenHost'
import { writeTinyModel } from '../src/main/services/models/tinyGguf'
import { ForkLauncher, type WorkerLauncher } from '../src/main/services/workers/launcher'
import { InferenceEngine } from '../src/main/worker/InferenceEngine'
import { adapterBench } from './adapters'
import { checkpointBench } from './checkpoints'
import { selectionBench } from './selection'
import { conversationBench } from './conversation'
import type { GenerationResult } from '../src/shared/contract/inference'
import type { OperationInput, OperationName, OperationOutput } from '../src/shared/contract/operations'
import { WardenError } from '../src/shared/errors'
import { formatBytes } from '../src/shared/format'

const MB = 1024 * 1024
/** Bigger than the tests' tiny model (1 layer, embd 64) so that per-token compute dominates. */
export const SHAPE = { layers: 4, embd: 256, heads: 8, ff: 512 }
export const SYSTEM = 'You are a terse assistant.'
export const PROMPTS = ['Tell me about the weather in spring.', 'Summarize the plot of a short story.', 'List three uses of a paper clip.']
const OVERHEAD_RUNS = 9
const OVERHEAD_TOKENS = 128
const WINDOW_MS = 2500
const WINDOWS_PER_PHASE = 3
const PING_EVERY_MS = 20
const ELD_RESOLUTION_MS = 10
const WARDEN_BOX_MS = 4000
const DEFAULT_BOX_MS = 8000
const DEFAULT_MAX_TOKENS = 8
const PAGING_RUNS = 5
const PAGING_TOKENS = 32
const COLD_RUNS = 5

export const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN)
const percentile = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] : NaN)
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
export const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '—')
export const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—')
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—')
export const ratio = (n: number) => (Number.isFinite(n) ? `${n >= 100 ? n.toFixed(0) : n.toFixed(2)}x` : '—')
const range = (xs: number[], fmt = f0) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  return [line(head), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

// ------------------------------------------------------------------------------------------ hosts

export interface BenchHost {
  host: WardenHost
  call<K extends OperationName>(name: K, input: OperationInput<K>, callId?: string): Promise<OperationOutput<K>>
}

/** Every worker pid any bench host started, to check that none outlives the benchmark. */
export const workerPids = new Set<number>()

export async function openHost(base: string, name: string, modelsDir: string, settings: Record<string, string | number>, launcher?: WorkerLauncher): Promise<BenchHost> {
  const host = new WardenHost({ home: path.join(base, name), runtime: 'server', watch: false, launcher, inference: { detectGpus: async () => [] } })
  host.onEvent((e) => {
    if (e.event !== 'workers.changed') return
    for (const w of host.inference.scheduler.list()) if (w.pid) workerPids.add(w.pid)
  })
  const call = async <K extends OperationName>(op: K, input: OperationInput<K>, callId?: string): Promise<OperationOutput<K>> => {
    const r = await host.invoke(op, input, callId)
    if (!r.ok) throw WardenError.from(r.error)
    return r.value as OperationOutput<K>
  }
  await call('config.set', { key: 'modelStoragePath', value: modelsDir })
  for (const [key, value] of Object.entries(settings)) await call('config.set', { key, value })
  return { host, call }
}

export async function withHost<T>(h: BenchHost, fn: (h: BenchHost) => Promise<T>): Promise<T> {
  try {
    return await fn(h)
  } finally {
    await h.host.shutdown()
  }
}

export async function createPersona(h: BenchHost, name: string, model: string, maxTokens: number): Promise<void> {
  await h.call('persona.create', { name, model, systemPrompt: SYSTEM, settings: { temperature: 0, topP: 1, maxTokens } })
}

export async function timedChat(h: BenchHost, name: string, prompt: string, callId?: string): Promise<{ r: GenerationResult; ms: number }> {
  const t = performance.now()
  const r = await h.call('persona.chat', { name, prompt, stateless: true }, callId)
  return { r, ms: performance.now() - t }
}

async function unloadAll(h: BenchHost): Promise<void> {
  for (const w of h.host.inference.scheduler.list()) await h.call('worker.unload', { model: w.modelId })
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// --------------------------------------------------------------------------- 1. worker overhead

async function workerOverhead(base: string, modelsDir: string, modelPath: string): Promise<string> {
  const engine = new InferenceEngine()
  const h = await openHost(base, 'overhead', modelsDir, { threadsPerWorker: 1, parallelRequestsPerModel: 1 })
  return withHost(h, async () => {
    try {
      await createPersona(h, 'Overhead', 'bench-1', OVERHEAD_TOKENS)
      await h.call('worker.load', { model: 'bench-1' })
      await engine.load({ type: 'load', id: 'load', modelPath, gpuLayers: 0, sequences: 1, contextSize: 1024, threads: 1 })
      const prompt = PROMPTS[0]
      const inProcess = async () => {
        const t = performance.now()
        const r = await engine.generate(
          { type: 'generate', id: randomUUID(), sessionKey: 'bench', systemPrompt: SYSTEM, history: [], prompt, temperature: 0, topP: 1, maxTokens: OVERHEAD_TOKENS, seed: null, overflow: 'dropOldest' },
          () => undefined,
        )
        return { tokens: r.tokens, ms: performance.now() - t, text: r.text }
      }
      const viaWorker = async () => {
        const { r, ms } = await timedChat(h, 'Overhead', prompt)
        return { tokens: r.tokens, ms, text: r.text, inner: r.tokensPerSecond ?? NaN }
      }
      // Warm-up: the first generation of each pays one-off costs.
      const a = await inProcess()
      const b = await viaWorker()
      const sameText = a.text === b.text
      const inp: number[] = []
      const wrk: number[] = []
      const inner: number[] = []
      const tokens = new Set<number>()
      // Alternate (ABBA) so drift on a noisy machine hits both alike.
      for (let i = 0; i < OVERHEAD_RUNS; i++) {
        for (const which of i % 2 ? ['worker', 'in'] : ['in', 'worker']) {
          if (which === 'in') {
            const r = await inProcess()
            inp.push((r.tokens / r.ms) * 1000)
            tokens.add(r.tokens)
          } else {
            const r = await viaWorker()
            wrk.push((r.tokens / r.ms) * 1000)
            inner.push(r.inner)
            tokens.add(r.tokens)
          }
        }
      }
      const mi = median(inp)
      const mw = median(wrk)
      return [
        `1. Worker overhead: 1 thread, maxTokens ${OVERHEAD_TOKENS} (generated ${[...tokens].join('/')}), temperature 0, median of ${OVERHEAD_RUNS} alternating runs each; same text both ways: ${sameText ? 'yes' : 'NO'}`,
        table(
          ['path', 'tokens/s', 'min–max', 'vs in process'],
          [
            ['in process (InferenceEngine)', f0(mi), range(inp), '1.00x'],
            ['worker, persona.chat wall time', f0(mw), range(wrk), ratio(mw / mi)],
            ['worker, timed inside the worker', f0(median(inner)), range(inner), ratio(median(inner) / mi)],
          ],
        ),
      ].join('\n')
    } finally {
      await engine.dispose()
    }
  })
}

// ------------------------------------------------------------------ 2. main-process responsiveness

async function responsiveness(base: string, modelsDir: string): Promise<string> {
  const h = await openHost(base, 'responsive', modelsDir, { threadsPerWorker: 0, parallelRequestsPerModel: 1 })
  return withHost(h, async () => {
    const server = await startServer(h.host, { port: 0, rendererDir: null })
    try {
      const names = ['R1', 'R2', 'R3']
      for (let i = 0; i < 3; i++) {
        await createPersona(h, names[i], `bench-${i + 1}`, 128)
        await h.call('worker.load', { model: `bench-${i + 1}` })
      }
      await Promise.all(names.map((n, i) => h.call('persona.chat', { name: n, prompt: PROMPTS[i], stateless: true })))
      const infoUrl = new URL('/api/op/app.info', server.url)
      const ping = async () => {
        const res = await fetch(infoUrl, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{}' })
        const body = (await res.json()) as { ok: boolean }
        if (!res.ok || !body.ok) throw new Error(`app.info answered ${res.status}`)
      }
      const phases = {
        idle: { eld: [] as Array<{ p50: number; p99: number; max: number }>, rtt: [] as number[], tokens: 0, ms: 0 },
        busy: { eld: [] as Array<{ p50: number; p99: number; max: number }>, rtt: [] as number[], tokens: 0, ms: 0 },
      }
      for (let w = 0; w < 2 * WINDOWS_PER_PHASE; w++) {
        const phase = w % 2 ? 'busy' : 'idle'
        const p = phases[phase]
        const start = performance.now()
        const stopAt = start + WINDOW_MS
        const live = new Set<string>()
        const generating =
          phase === 'busy'
            ? names.map((name, i) => chatLoop(h, name, PROMPTS[i], live, stopAt, true))
            : []
        // A monitor per window (one re-enabled later would count the gap between windows as a delay);
        // they cannot be merged, so a phase reports the median of its windows' p50 and p99, and the max.
        const monitor = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS })
        monitor.enable()
        while (performance.now() < stopAt) {
          const t = performance.now()
          await ping()
          p.rtt.push(performance.now() - t)
          await sleep(Math.max(0, t + PING_EVERY_MS - performance.now()))
        }
        monitor.disable()
        const lag = (ns: number) => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS)
        p.eld.push({ p50: lag(monitor.percentile(50)), p99: lag(monitor.percentile(99)), max: lag(monitor.max) })
        for (const id of live) h.host.cancel(id)
        p.tokens += sum(await Promise.all(generating))
        p.ms += performance.now() - start
      }
      const row = (label: string, f: (p: (typeof phases)['idle']) => number) => {
        const idle = f(phases.idle)
        const busy = f(phases.busy)
        return [label, f2(idle), f2(busy), ratio(busy / idle)]
      }
      const threads = h.host.inference.scheduler.list().map((w) => w.threads)
      return [
        `2. Main-process responsiveness: three personas on three models (three workers, ${threads.join('+')} threads, Warden's choice) generating at once, vs idle;`,
        `   ${WINDOWS_PER_PHASE} alternating windows of ${WINDOW_MS / 1000} s each; event-loop delay beyond its ${ELD_RESOLUTION_MS} ms timer (p50, p99: median of the windows; max: of all);`,
        `   API: POST /api/op/app.info every ${PING_EVERY_MS} ms to startServer in this process, percentiles of all round trips`,
        `   (${phases.idle.rtt.length} idle / ${phases.busy.rtt.length} busy round trips; the workers generated ${f0((phases.busy.tokens / phases.busy.ms) * 1000)} tokens/s in all meanwhile)`,
        table(
          ['ms', 'idle', 'generating', 'ratio'],
          [
            row('event-loop delay p50', (p) => median(p.eld.map((e) => e.p50))),
            row('event-loop delay p99', (p) => median(p.eld.map((e) => e.p99))),
            row('event-loop delay max', (p) => Math.max(...p.eld.map((e) => e.max))),
            row('API round trip p50', (p) => median(p.rtt)),
            row('API round trip p99', (p) => percentile(p.rtt, 99)),
          ],
        ),
      ].join('\n')
    } finally {
      await server.close()
    }
  })
}

/**
 * Chat with one persona (once, or again and again until `stopAt`); the call ids in flight are in
 * `live` so the caller can cancel them. Returns the tokens generated (a cancelled answer counts).
 */
async function chatLoop(h: BenchHost, name: string, prompt: string, live: Set<string>, stopAt: number, repeat: boolean): Promise<number> {
  let tokens = 0
  do {
    const id = randomUUID()
    live.add(id)
    try {
      tokens += (await h.call('persona.chat', { name, prompt, stateless: true }, id)).tokens
    } catch (e) {
      if (WardenError.from(e).code !== 'CANCELLED') throw e
    } finally {
      live.delete(id)
    }
  } while (repeat && performance.now() < stopAt)
  return tokens
}

// ---------------------------------------------------------------------------- 3. thread assignment

/** Generate on every persona at once for `boxMs` (repeating, or once), cancelling what still runs then. */
async function timeBoxed(h: BenchHost, names: string[], boxMs: number, repeat: boolean): Promise<{ tokens: number; ms: number }> {
  const start = performance.now()
  const stopAt = start + boxMs
  const live = new Set<string>()
  const timer = setTimeout(() => {
    for (const id of live) h.host.cancel(id)
  }, boxMs)
  const perPersona = await Promise.all(
    names.map((name, i) => chatLoop(h, name, PROMPTS[i], live, stopAt, repeat)),
  )
  clearTimeout(timer)
  return { tokens: sum(perPersona), ms: performance.now() - start }
}

async function threadAssignment(base: string, modelsDir: string): Promise<string> {
  const h = await openHost(base, 'threads', modelsDir, { parallelRequestsPerModel: 1 })
  return withHost(h, async () => {
    const names = ['T1', 'T2', 'T3']
    for (let i = 0; i < 3; i++) await createPersona(h, names[i], `bench-${i + 1}`, 128)
    const modes = [
      { label: "Warden's choice (0)", threadsPerWorker: 0, maxTokens: 128, boxMs: WARDEN_BOX_MS, repeat: true },
      { label: 'node-llama-cpp default (4)', threadsPerWorker: 4, maxTokens: DEFAULT_MAX_TOKENS, boxMs: DEFAULT_BOX_MS, repeat: false },
    ]
    const results: Array<Array<{ threads: number[]; tokens: number; ms: number }>> = []
    for (const mode of modes) {
      await unloadAll(h)
      await h.call('config.set', { key: 'threadsPerWorker', value: mode.threadsPerWorker })
      for (const n of names) await h.call('persona.update', { name: n, settings: { maxTokens: mode.maxTokens } })
      const rows: Array<{ threads: number[]; tokens: number; ms: number }> = []
      for (let n = 1; n <= 3; n++) {
        // Exactly n workers loaded: Warden shares the cores among the running ones.
        await h.call('worker.load', { model: `bench-${n}` })
        const threads = h.host.inference.scheduler.list().map((w) => w.threads)
        rows.push({ threads, ...(await timeBoxed(h, names.slice(0, n), mode.boxMs, mode.repeat)) })
      }
      results.push(rows)
    }
    await unloadAll(h)
    const tps = (r: { tokens: number; ms: number }) => (r.tokens / r.ms) * 1000
    return [
      `3. Thread assignment (${os.availableParallelism()} cores): aggregate tokens/s of n workers on distinct models generating at once.`,
      `   Warden's choice: maxTokens 128, repeated for ${WARDEN_BOX_MS / 1000} s; default: one request each of maxTokens ${DEFAULT_MAX_TOKENS}, cancelled at ${DEFAULT_BOX_MS / 1000} s (tokens/s, not time, so they compare)`,
      table(
        ['workers', "Warden's threads", 'tokens/s', 'default threads', 'tokens/s (tokens in s)', "Warden's vs default"],
        [1, 2, 3].map((n) => {
          const w = results[0][n - 1]
          const d = results[1][n - 1]
          return [String(n), w.threads.join('+'), f0(tps(w)), d.threads.join('+'), `${f2(tps(d))} (${d.tokens} in ${f1(d.ms / 1000)})`, d.tokens ? ratio(tps(w) / tps(d)) : `> ${ratio(tps(w) / (1000 / d.ms))}`]
        }),
      ),
    ].join('\n')
  })
}

// -------------------------------------------------------------------------------------- 4. paging

interface ColdStart {
  total: number
  spawn: number
  load: number
}

/** `worker.load` on an unloaded model: spawn to ready (the worker's hello), load (as the worker timed it), the rest. */
async function coldStarts(h: BenchHost, model: string, runs: number): Promise<ColdStart[]> {
  const out: ColdStart[] = []
  // No spares: an unloaded model's process would be kept as one, and the next load would not be cold.
  await h.call('config.set', { key: 'spareWorkers', value: 0 })
  for (let i = 0; i < runs; i++) {
    await unloadAll(h)
    let readyAt = 0
    const off = h.host.onEvent((e) => {
      if (e.event === 'workers.changed' && e.payload.reason === 'loading' && !readyAt) readyAt = performance.now()
    })
    const t = performance.now()
    await h.call('worker.load', { model })
    const total = performance.now() - t
    off()
    out.push({ total, spawn: readyAt - t, load: h.host.inference.scheduler.slot(model)?.load?.loadMs ?? NaN })
  }
  await unloadAll(h)
  return out
}

/** Resident memory of a warm spare worker (the server starts one on its first request). */
async function waitForSpare(h: BenchHost): Promise<number> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const spare = (await h.call('worker.list', {})).spares.find((s) => s.state === 'ready')
    if (spare) return spare.memoryBytes
    if (Date.now() > deadline) throw new Error('no spare worker became ready')
    await sleep(100)
  }
}

async function paging(base: string, modelsDir: string, modelPath: string): Promise<string> {
  const h = await openHost(base, 'paging', modelsDir, { threadsPerWorker: 0, parallelRequestsPerModel: 1 })
  const coldRow = (label: string, c: ColdStart[]) => [
    label,
    `${f0(median(c.map((x) => x.total)))} (${range(c.map((x) => x.total))})`,
    f0(median(c.map((x) => x.spawn))),
    f0(median(c.map((x) => x.load))),
    f0(median(c.map((x) => x.total - x.spawn - x.load))),
  ]
  const { lines, cold } = await withHost(h, async () => {
    const estimate = await h.host.inference.models.estimate(modelPath)
    // Budget by what workers really take here: one loaded model's worker and one spare fit, two models do not.
    const measured = (await h.call('worker.load', { model: 'bench-1' })).measuredBytes ?? NaN
    const spare = await waitForSpare(h)
    await h.call('worker.unload', { model: 'bench-1' })
    const predicted = estimate + (await h.call('worker.list', {})).runtime.bytes
    const budgetMb = Math.floor((measured + (spare + predicted) / 2) / MB)
    await h.call('config.set', { key: 'maxVRAM', value: budgetMb })
    await createPersona(h, 'PA', 'bench-1', PAGING_TOKENS)
    await createPersona(h, 'PB', 'bench-2', PAGING_TOKENS)
    await timedChat(h, 'PA', PROMPTS[0]) // cold start, not counted
    const swap: Array<{ ms: number; waited: number }> = []
    const warm: number[] = []
    const loads: number[] = []
    for (let i = 0; i < PAGING_RUNS; i++) {
      const [name, prompt] = i % 2 ? ['PA', PROMPTS[0]] : ['PB', PROMPTS[1]]
      const s = await timedChat(h, name, prompt)
      if (!s.r.loaded || s.r.evicted.length !== 1) throw new Error(`expected a swap-in, got loaded=${s.r.loaded} evicted=${s.r.evicted.join(',')}`)
      swap.push({ ms: s.ms, waited: s.r.waitedMs })
      const w = await timedChat(h, name, prompt)
      if (w.r.loaded) throw new Error('expected a warm request')
      warm.push(w.ms)
    }
    // At a person's pace the spare worker (node-llama-cpp already initialised) is ready in time.
    const paced: Array<{ ms: number; waited: number }> = []
    for (let i = 0; i < PAGING_RUNS; i++) {
      await new Promise((r) => setTimeout(r, 3000))
      const [name, prompt] = h.host.inference.scheduler.isLoaded('bench-1') ? ['PB', PROMPTS[1]] : ['PA', PROMPTS[0]]
      const s = await timedChat(h, name, prompt)
      if (!s.r.loaded || s.r.evicted.length !== 1) throw new Error(`expected a swap-in, got loaded=${s.r.loaded} evicted=${s.r.evicted.join(',')}`)
      paced.push({ ms: s.ms, waited: s.r.waitedMs })
      // Loaded in a warm spare: the model's own load time (in a cold worker it includes importing node-llama-cpp).
      loads.push(h.host.inference.scheduler.slot(s.r.modelId)?.load?.loadMs ?? NaN)
    }
    const sw = median(swap.map((s) => s.ms))
    const pw = median(paced.map((s) => s.ms))
    // The goal's baseline: a warm request plus the time its model takes to load in a ready (warm) worker.
    const goal = median(warm) + median(loads)
    const cold = await coldStarts(h, 'bench-3', COLD_RUNS)
    const lines = [
      `4. Paging: maxVRAM ${budgetMb} MB fits one loaded worker (measured ${formatBytes(measured)}; estimate ${formatBytes(estimate)} + runtime = ${formatBytes(predicted)} predicted) and one spare (${formatBytes(spare)}), not two models;
   requests alternate two models (maxTokens ${PAGING_TOKENS}), so each first one evicts and loads; median of ${PAGING_RUNS}. Goal: a swap-in within 2x of a warm request plus its model's load in a warm worker (${f0(median(loads))} ms)`,
      table(
        ['request', 'ms', 'min–max', 'of which waiting (evict + spawn + load)', 'vs warm', 'vs warm + load'],
        [
          ['warm (model loaded)', f0(median(warm)), range(warm), '—', '1.00x', '—'],
          ['swap-in, back to back', f0(sw), range(swap.map((s) => s.ms)), f0(median(swap.map((s) => s.waited))), ratio(sw / median(warm)), ratio(sw / goal)],
          ['swap-in, 3 s apart (spare ready)', f0(pw), range(paced.map((s) => s.ms)), f0(median(paced.map((s) => s.waited))), ratio(pw / median(warm)), ratio(pw / goal)],
        ],
      ),
      `   Worker cold start: worker.load on an unloaded model (nothing to evict), median of ${COLD_RUNS}; ms`,
    ]
    return { lines, cold }
  })
  // The shipped worker (out/main/worker.js, no TypeScript loader), when it is built.
  const built = path.resolve(import.meta.dirname, '..', 'out', 'main', 'worker.js')
  let builtCold: ColdStart[] | null = null
  if (fs.existsSync(built)) {
    const hb = await openHost(base, 'paging-built', modelsDir, { threadsPerWorker: 0, parallelRequestsPerModel: 1 }, new ForkLauncher({ file: built, execArgv: [] }))
    builtCold = await withHost(hb, () => coldStarts(hb, 'bench-3', COLD_RUNS))
  }
  const rows = [coldRow('from source (tsx), as this bench runs', cold)]
  if (builtCold) rows.push(coldRow('built worker (out/main/worker.js)', builtCold))
  return [...lines, table(['worker', 'total ms (min–max)', 'spawn to ready', 'load (in worker)', 'rest (IPC, bookkeeping)'], rows)].join('\n')
}

// ------------------------------------------------------------------------------------------ main

export async function runInferenceBench(): Promise<void> {
  const started = performance.now()
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-ai-'))
  const modelsDir = path.join(base, 'models')
  fs.mkdirSync(modelsDir)
  try {
    const models: string[] = []
    for (let i = 1; i <= 3; i++) models.push((await writeTinyModel(path.join(modelsDir, `bench-${i}.gguf`), { name: `bench-${i}`, seed: 2000 + i, ...SHAPE })).path)
    const size = fs.statSync(models[0]).size
    console.log(
      `Warden inference benchmark (node ${process.version}, ${os.availableParallelism()} cores, CPU only) in ${base}\n` +
        `Models: 3 generated random-weight llama models (layers ${SHAPE.layers}, embd ${SHAPE.embd}, heads ${SHAPE.heads}, ff ${SHAPE.ff}, default vocab), ${formatBytes(size)} each; temperature 0, fixed prompts.\n`,
    )
    // BENCH_PART=paging (or overhead, responsiveness, threads, conversation, adapters, checkpoints, selection) runs one section.
    const part = (name: string) => !process.env.BENCH_PART || process.env.BENCH_PART === name
    if (part('overhead')) console.log((await workerOverhead(base, modelsDir, models[0])) + '\n')
    if (part('responsiveness')) console.log((await responsiveness(base, modelsDir)) + '\n')
    if (part('threads')) console.log((await threadAssignment(base, modelsDir)) + '\n')
    if (part('paging')) console.log((await paging(base, modelsDir, models[0])) + '\n')
    if (part('conversation')) console.log((await conversationBench(base, modelsDir)) + '\n')
    if (part('adapters')) console.log((await adapterBench(base, models[0], SHAPE)) + '\n')
    if (part('checkpoints')) console.log((await checkpointBench(base, modelsDir)) + '\n')
    if (part('selection')) console.log((await selectionBench(base, modelsDir)) + '\n')
  } finally {
    // Every host is shut down by now (withHost); check that no worker outlived it.
    await sleep(200)
    const alive = [...workerPids].filter(processAlive)
    console.log(`Workers started: ${workerPids.size}; still running: ${alive.length ? alive.join(', ') : 'none'}. Inference bench took ${f0((performance.now() - started) / 1000)} s.`)
    fs.rmSync(base, { recursive: true, force: true })
    if (alive.length) process.exitCode = 1
  }
}
