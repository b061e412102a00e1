import { describe, expect, it } from 'vitest'
import { settingDefs, type Settings } from './shared/contract/inference'
import { WardenError } from './shared/errors'
import { ModelScheduler, type ModelRef } from './main/services/scheduler/ModelScheduler'
import type { LaunchOptions, WorkerChild, WorkerLauncher } from './main/services/workers/launcher'
import type { ToWorker, WorkerReply } from './main/services/workers/protocol'

let nextPid = 50000
class FakeChild implements WorkerChild {
  pid = nextPid++
  private msg: Array<(m: WorkerReply) => void> = []
  private ex: Array<(c: number | null, s: string | null) => void> = []
  exited = false
  gens = new Map<string, () => void>()
  constructor(
    readonly name: string,
    private readonly ramBytes: number,
    readonly genMsFn: () => number | null,
  ) {
    setImmediate(() => this.reply({ type: 'ready', pid: this.pid }))
  }
  reply(m: WorkerReply) {
    if (!this.exited) for (const l of this.msg) l(m)
  }
  send(m: ToWorker): void {
    if (this.exited) return
    setImmediate(() => {
      if (m.type === 'load') this.reply({ type: 'result', id: m.id, value: { gpu: false, gpuLayers: 0, vramBytes: 0, ramBytes: this.ramBytes, contextSize: 1024, sequences: m.sequences, trainContextSize: 1024, loadMs: 1 } })
      else if (m.type === 'generate') {
        const done = (reason: string) => {
          this.gens.delete(m.id)
          this.reply({ type: 'result', id: m.id, value: { text: 'x', tokens: 1, durationMs: 1, finishReason: reason } })
        }
        this.gens.set(m.id, () => done('cancelled'))
        { const g = this.genMsFn(); if (g !== null) setTimeout(() => this.gens.has(m.id) && done('stop'), g) }
      } else if (m.type === 'abort') this.gens.get(m.id)?.()
      else if (m.type === 'shutdown') {
        this.reply({ type: 'result', id: m.id, value: {} })
        this.exit(0, null)
      } else this.reply({ type: 'result', id: (m as { id: string }).id, value: { threads: 1, rssBytes: 1, heapBytes: 1, vramUsedBytes: 0, activeGenerations: 0 } })
    })
  }
  exit(code: number | null, signal: string | null) {
    if (this.exited) return
    this.exited = true
    setImmediate(() => this.ex.forEach((l) => l(code, signal)))
  }
  onMessage(l: (m: WorkerReply) => void) {
    this.msg.push(l)
  }
  onExit(l: (c: number | null, s: string | null) => void) {
    this.ex.push(l)
  }
  kill(signal?: NodeJS.Signals) {
    this.exit(null, signal ?? 'SIGTERM')
  }
  outputTail() {
    return ''
  }
}

class FakeLauncher implements WorkerLauncher {
  readonly kind = 'fork' as const
  children: FakeChild[] = []
  constructor(
    public ramFor: (name: string) => number,
    public genMs: (name: string) => number | null,
  ) {}
  launch(o: LaunchOptions): WorkerChild {
    const c = new FakeChild(o.name, this.ramFor(o.name), () => this.genMs(o.name))
    this.children.push(c)
    return c
  }
}

const defaults = Object.fromEntries(Object.entries(settingDefs).map(([k, d]) => [k, d.default])) as Settings
const M = (id: string, bytes = 100): ModelRef => ({ id, name: id, path: `/m/${id}.gguf`, estimateBytes: bytes })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function waitFor(cond: () => boolean, what: string, ms = 3000) {
  const t = Date.now()
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

function make(opts: { backoff?: number; budget: number; settings?: Partial<Settings>; ram?: (n: string) => number; genMs?: (n: string) => number | null }) {
  const launcher = new FakeLauncher(opts.ram ?? (() => 100), opts.genMs ?? (() => 20))
  const settings = { ...defaults, idleUnloadMinutes: 0, ...opts.settings }
  const alerts: string[] = []
  const s = new ModelScheduler({
    launcher,
    settings: () => settings,
    budget: () => ({ totalBytes: opts.budget, source: 'setting', description: 'test', gpus: [] }),
    backoffBaseMs: opts.backoff ?? 20,
    backoffMaxMs: 5000,
    graceMs: 200,
    cores: 8,
    onAlert: (a) => alerts.push(a.title),
  })
  const gen = (m: ModelRef, priority = 70, extra: { signal?: AbortSignal; timeoutMs?: number } = {}) =>
    s.submit(m, { priority, ...extra }, async ({ worker, signal }) => {
      const id = Math.random().toString(36)
      const onAbort = () => worker.abort(id)
      signal.addEventListener('abort', onAbort)
      try {
        return await worker.generate({ id, sessionKey: 'k', systemPrompt: '', history: [], prompt: 'p', temperature: 0, topP: 1, maxTokens: 1, seed: null }, () => undefined)
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
    })
  return { s, launcher, gen, settings, alerts }
}

describe('review scratch', () => {
  it('F1: a crash with a request in flight drives inFlight negative; the model stays busy forever and blocks paging', async () => {
    const { s, launcher, gen } = make({ budget: 150, genMs: (n) => (n === 'A' ? null : 20) })
    const A = M('A')
    const B = M('B')
    const first = gen(A).catch((e: WardenError) => e)
    await waitFor(() => s.slot('A')?.inFlight === 1, 'A in flight')
    s.kill('A')
    expect(((await first) as WardenError).code).toBe('WORKER_CRASHED')
    await waitFor(() => s.slot('A')?.state === 'unloaded' || s.slot('A')?.state === 'ready', 'restart')
    console.log('after crash: inFlight =', s.slot('A')!.inFlight, 'state =', s.slot('A')!.state)
    // A now answers quickly
    launcher.genMs = () => 20
    await gen(A)
    console.log('after one more request: inFlight =', s.slot('A')!.inFlight, 'state =', s.slot('A')!.state)
    // B needs A's memory: A is idle (nothing in flight) and should be paged out
    const r = await gen(B, 70, { timeoutMs: 1500 }).catch((e: WardenError) => e)
    console.log('request to B:', r instanceof Error ? `${(r as WardenError).code}: ${r.message}` : 'ok', 'A state', s.slot('A')!.state)
    await s.dispose()
  })

  it('F2: a timeout above 2^31-1 ms fires at once', async () => {
    const { s, gen } = make({ budget: 1000 })
    expect(settingDefs.requestTimeoutMs.schema.safeParse('3000000000').success).toBe(true)
    const t = Date.now()
    const r = await gen(M('A'), 70, { timeoutMs: 3_000_000_000 }).catch((e: WardenError) => e)
    console.log('timeoutMs 3e9 ->', r instanceof Error ? (r as WardenError).code : 'ok', 'after', Date.now() - t, 'ms')
    await s.dispose()
  })

  it('F3: cancelling a queued request leaves its timeout timer running (keeps the CLI alive)', async () => {
    const { s, gen } = make({ budget: 1000, settings: { parallelRequestsPerModel: 1 }, genMs: () => 300 })
    const A = M('A')
    const running = gen(A)
    await waitFor(() => s.slot('A')?.inFlight === 1, 'running')
    const before = process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length
    const ac = new AbortController()
    const queued = gen(A, 70, { signal: ac.signal }).catch((e: WardenError) => e.code)
    ac.abort()
    console.log('queued cancelled ->', await queued)
    const after = process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length
    console.log('Timeout handles before', before, 'after cancel', after)
    await running
    await s.dispose()
  })

  it('F4: a realtime request for another model waits behind every batch request to the loaded model', async () => {
    const { s, gen } = make({ budget: 150, settings: { parallelRequestsPerModel: 1 }, genMs: () => 30 })
    const A = M('A')
    const B = M('B')
    await gen(A)
    const order: string[] = []
    const batch = Array.from({ length: 10 }, (_, i) => gen(A, 50).then(() => order.push(`A-batch-${i}`)))
    const rt = gen(B, 90).then(() => order.push('B-realtime'))
    await Promise.all([...batch, rt])
    console.log('finish order:', order.join(' '))
    await s.dispose()
  })

  it('F5: the restart timer of a crashed model pages out an idle model although nobody asked for the crashed one', async () => {
    const { s, gen, launcher } = make({ budget: 150, genMs: () => 20, backoff: 300 })
    const A = M('A')
    const B = M('B')
    await gen(A)
    const a = launcher.children.find((c) => c.name === 'A')!
    a.kill('SIGKILL') // crash while idle
    await waitFor(() => s.slot('A')?.state === 'restarting', 'restarting')
    await gen(B) // B uses the freed memory
    await sleep(500)
    console.log('after A restart timer: B state', s.slot('B')?.state, 'B worker', Boolean(s.slot('B')?.worker), '| A state', s.slot('A')?.state, 'A worker', Boolean(s.slot('A')?.worker))
    await s.dispose()
  })

  it('F6: measured memory above the estimate pushes usage over the budget', async () => {
    const { s, gen } = make({ budget: 250, ram: () => 180 })
    await Promise.all([gen(M('A')), gen(M('B'))])
    console.log('budget 250, used', s.usedBytes(), 'peak', s.peakUsedBytes)
    await s.dispose()
  })

  it('F7: after quarantine, unload then one crash re-quarantines at once', async () => {
    const { s, launcher, gen, alerts } = make({ budget: 1000 })
    const A = M('A')
    for (let i = 0; i < 3; i++) {
      await waitFor(() => s.slot('A') === undefined || s.slot('A')!.state === 'unloaded' || s.slot('A')!.state === 'ready', 'can load', 3000)
      if (!s.isLoaded('A')) await gen(A).catch(() => undefined)
      launcher.children.filter((c) => c.name === 'A' && !c.exited).forEach((c) => c.kill('SIGKILL'))
      await sleep(100)
    }
    console.log('state after 3 crashes', s.slot('A')?.state)
    await s.unload('A')
    console.log('after unload', s.slot('A')?.state)
    await gen(A)
    launcher.children.filter((c) => c.name === 'A' && !c.exited).forEach((c) => c.kill('SIGKILL'))
    await sleep(100)
    console.log('after ONE more crash:', s.slot('A')?.state, alerts)
    await s.dispose()
  })
})

describe('review scratch 2', () => {
  it('F8: unloading a restarting model leaves its queued requests stuck until their timeout', async () => {
    const { s, gen, launcher } = make({ budget: 1000, settings: { parallelRequestsPerModel: 1 }, genMs: (n) => null, backoff: 300 })
    const A = M('A')
    const first = gen(A).catch((e: WardenError) => e.code)
    await waitFor(() => s.slot('A')?.inFlight === 1, 'A in flight')
    const t = Date.now()
    const queued = gen(A, 70, { timeoutMs: 2000 }).then(() => `ok after ${Date.now() - t} ms`, (e: WardenError) => `${e.code} after ${Date.now() - t} ms`)
    launcher.genMs = () => 10
    s.kill('A')
    console.log('first ->', await first)
    await waitFor(() => s.slot('A')?.state === 'restarting', 'restarting')
    await s.unload('A') // person clicks Unload on the restarting row
    console.log('queued request ->', await queued, '; state', s.slot('A')?.state, 'queue', s.queueDepth())
    await s.dispose()
  })
})
