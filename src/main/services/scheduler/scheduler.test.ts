import { execFileSync } from 'node:child_process'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHost, measureWorker, processAlive, waitFor, writeTinyModels } from '../../../../test/inference'
import { expectError } from '../../../../test/fixtures'
import { writeTinyModel } from '../models/tinyGguf'
import { PriorityQueue } from './PriorityQueue'

const MB = 1024 * 1024

/** Our child processes' command lines (ps exits 1 when there are none). */
function childProcesses(): string {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  } catch {
    return ''
  }
}
const hosts: Array<ReturnType<typeof inferenceHost>> = []
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.host.shutdown()
})

/** A host with `n` tiny models in its models folder and one persona per model. */
async function setup(n: number, settings: Record<string, string | number> = {}) {
  const h = inferenceHost()
  hosts.push(h)
  const files = await writeTinyModels(path.join(h.home, 'models'), n)
  for (const [key, value] of Object.entries(settings)) await h.call('config.set', { key, value })
  for (let i = 0; i < n; i++) {
    await h.call('persona.create', { name: `P${i + 1}`, model: `tiny-${i + 1}`, systemPrompt: 'Be brief.', settings: { temperature: 0, maxTokens: 8 } })
  }
  const estimate = await h.host.inference.models.estimate(files[0])
  /** Budgets in MB that fit `n` of these workers, measured (see `measureWorker`). */
  const fits = async (n: number) => (await measureWorker(h, 'tiny-1', estimate)).fits(n)
  return { ...h, files, estimate, fits }
}

describe('priority queue', () => {
  it('serves higher priorities first and keeps FIFO order within one', () => {
    const q = new PriorityQueue<string>()
    q.push('batch-1', 50)
    q.push('default-1', 70)
    q.push('system-1', 100)
    q.push('default-2', 70)
    q.push('realtime-1', 90)
    q.push('batch-2', 50)
    expect(q.values()).toEqual(['system-1', 'realtime-1', 'default-1', 'default-2', 'batch-1', 'batch-2'])
    expect(q.remove('default-1')).toBe(true)
    expect(q.shift()).toBe('system-1')
    expect(q.size).toBe(4)
  })
})

describe('scheduler with real workers', () => {
  it('runs five models on a budget that fits two, paging out the least recently used idle one', async () => {
    const { call, host, fits, events } = await setup(5)
    const budgetMb = await fits(2)
    await call('config.set', { key: 'maxVRAM', value: budgetMb })
    const order = ['P1', 'P2', 'P3', 'P1', 'P4', 'P5', 'P2', 'P3']
    const evictions: string[][] = []
    for (const name of order) {
      const r = await call('persona.chat', { name, prompt: 'hello', stateless: true })
      expect(r.text.length).toBeGreaterThan(0)
      evictions.push(r.evicted)
      const live = (await call('worker.list', {})).workers.filter((w) => w.pid)
      expect(live.length).toBeLessThanOrEqual(2)
    }
    // LRU: P3 evicts P1 (oldest), P1 evicts P2, P4 evicts P3, P5 evicts P1, P2 evicts P4, P3 evicts P5.
    expect(evictions).toEqual([[], [], ['tiny-1'], ['tiny-2'], ['tiny-3'], ['tiny-1'], ['tiny-4'], ['tiny-5']])
    expect(host.inference.scheduler.peakUsedBytes).toBeLessThanOrEqual(budgetMb * MB)
    expect(events.some((e) => e.event === 'workers.changed' && e.payload.reason.startsWith('paged out'))).toBe(true)
  }, 60_000)

  it('never pages out a pinned model or one with requests in flight, and refuses a model that cannot fit', async () => {
    const { call, estimate } = await setup(3, {})
    const { fits: budget } = await measureWorker(hosts[0], 'tiny-1', estimate)
    const [two, one] = [budget(2), budget(1)]
    await call('config.set', { key: 'maxVRAM', value: two })
    await call('persona.chat', { name: 'P1', prompt: 'a', stateless: true })
    await call('worker.pin', { model: 'tiny-1' })
    await call('persona.chat', { name: 'P2', prompt: 'b', stateless: true })
    const r = await call('persona.chat', { name: 'P3', prompt: 'c', stateless: true })
    expect(r.evicted).toEqual(['tiny-2']) // tiny-1 is older but pinned
    const list = (await call('worker.list', {})).workers
    expect(list.find((w) => w.modelId === 'tiny-1')).toMatchObject({ pinned: true, state: 'ready' })

    await call('config.set', { key: 'maxVRAM', value: one })
    const e = await expectError(call('persona.chat', { name: 'P2', prompt: 'd', stateless: true }))
    expect(e.code).toBe('DOES_NOT_FIT')
    expect(e.message).toMatch(/pinned models hold/)
    expect(e.hint).toMatch(/Unpin/)
  }, 60_000)

  it('runs generations of several personas on one model in parallel, each on its own sequence', async () => {
    const { call, host } = await setup(1)
    for (const name of ['A', 'B', 'C']) await call('persona.create', { name, model: 'tiny-1', settings: { temperature: 0, maxTokens: 48 } })
    await call('config.set', { key: 'parallelRequestsPerModel', value: 3 })
    await call('worker.load', { model: 'tiny-1' })
    let maxInFlight = 0
    const off = host.onEvent((e) => {
      if (e.event === 'workers.changed') maxInFlight = Math.max(maxInFlight, host.inference.scheduler.slot('tiny-1')?.inFlight ?? 0)
    })
    const results = await Promise.all(['A', 'B', 'C'].map((name) => call('persona.chat', { name, prompt: `I am ${name}` })))
    off()
    expect(maxInFlight).toBe(3)
    for (const r of results) expect(r.tokens).toBeGreaterThan(0)
    // Their conversations are kept apart.
    const history = await call('persona.history', { name: 'B' })
    expect(history.messages.map((m) => m.text)[0]).toBe('I am B')
  }, 60_000)

  it('lets a realtime request for another model through ahead of queued batch work on the loaded one', async () => {
    const { call, fits } = await setup(2, { parallelRequestsPerModel: 1 })
    await call('config.set', { key: 'maxVRAM', value: await fits(1) })
    await call('persona.update', { name: 'P1', settings: { maxTokens: 300 } })
    await call('worker.load', { model: 'tiny-1' })
    const finished: string[] = []
    const batch = Array.from({ length: 6 }, (_, i) =>
      call('persona.chat', { name: 'P1', prompt: `batch ${i}`, priority: 'batch', stateless: true }).then(() => void finished.push(`batch-${i}`)),
    )
    await waitFor(() => hosts[0].host.inference.scheduler.queueDepth() >= 4, 'batch queued')
    const realtime = call('persona.chat', { name: 'P2', prompt: 'now', priority: 'realtime', stateless: true }).then(() => void finished.push('realtime'))
    await Promise.all([...batch, realtime])
    expect(finished.indexOf('realtime')).toBeLessThan(3)
  }, 60_000)

  it('answers "busy" when the queue is full', async () => {
    const h = await setup(1, { maxQueueSize: 1, parallelRequestsPerModel: 1 })
    const { call } = h
    await call('persona.update', { name: 'P1', settings: { maxTokens: 300 } })
    await call('worker.load', { model: 'tiny-1' })
    const first = call('persona.chat', { name: 'P1', prompt: 'one', stateless: true })
    await waitFor(() => h.host.inference.scheduler.slot('tiny-1')?.inFlight === 1, 'first running')
    const second = call('persona.chat', { name: 'P1', prompt: 'two', stateless: true })
    await waitFor(() => h.host.inference.scheduler.queueDepth() === 1, 'second queued')
    const third = await expectError(call('persona.chat', { name: 'P1', prompt: 'three', stateless: true }))
    expect(third.code).toBe('BUSY')
    expect(third.message).toMatch(/maxQueueSize 1/)
    await Promise.all([first, second])
  }, 60_000)
})

describe('crash recovery', () => {
  it('rejects pending requests at once when a worker dies, restarts it, and leaves other workers alone', async () => {
    const { call, events } = await setup(2)
    await call('persona.update', { name: 'P1', settings: { maxTokens: 2000 } })
    await call('persona.chat', { name: 'P2', prompt: 'warm', stateless: true })
    const other = (await call('worker.list', {})).workers.find((w) => w.modelId === 'tiny-2')!
    const pending = call('persona.chat', { name: 'P1', prompt: 'a long answer please', stateless: true })
    const busy = await waitFor(async () => (await call('worker.list', {})).workers.find((w) => w.modelId === 'tiny-1' && w.state === 'busy'), 'tiny-1 busy')
    const killedAt = Date.now()
    await call('worker.kill', { model: 'tiny-1' })
    const e = await expectError(pending)
    expect(Date.now() - killedAt).toBeLessThan(2000)
    expect(e.code).toBe('WORKER_CRASHED')
    expect(e.message).toMatch(/tiny-1.*SIGKILL/)
    const restarted = await waitFor(async () => (await call('worker.list', {})).workers.find((w) => w.modelId === 'tiny-1' && w.state === 'ready'), 'restart')
    expect(restarted.pid).not.toBe(busy.pid)
    expect(restarted).toMatchObject({ restarts: 1, crashes: 1 })
    expect(processAlive(busy.pid!)).toBe(false)
    const still = (await call('worker.list', {})).workers.find((w) => w.modelId === 'tiny-2')!
    expect(still.pid).toBe(other.pid)
    expect((await call('persona.chat', { name: 'P1', prompt: 'again', stateless: true })).text.length).toBeGreaterThan(0)
    expect(events.some((e) => e.event === 'alert' && e.payload.level === 'warning')).toBe(true)
  }, 60_000)

  it('after a crash mid-answer the model is paged out normally when another one needs the room', async () => {
    const { call, fits } = await setup(2)
    await call('config.set', { key: 'maxVRAM', value: await fits(1) })
    await call('persona.update', { name: 'P1', settings: { maxTokens: 2000 } })
    const pending = call('persona.chat', { name: 'P1', prompt: 'long', stateless: true })
    await waitFor(async () => (await call('worker.list', {})).workers.find((w) => w.state === 'busy'), 'busy')
    await call('worker.kill', { model: 'tiny-1' })
    expect((await expectError(pending)).code).toBe('WORKER_CRASHED')
    await waitFor(async () => (await call('worker.list', {})).workers.find((w) => w.modelId === 'tiny-1' && w.state === 'ready'), 'restart')
    await call('persona.update', { name: 'P1', settings: { maxTokens: 8 } })
    await call('persona.chat', { name: 'P1', prompt: 'again', stateless: true })
    expect((await call('worker.list', {})).workers[0]).toMatchObject({ modelId: 'tiny-1', state: 'ready', inFlight: 0 })
    const other = await call('persona.chat', { name: 'P2', prompt: 'room please', stateless: true, timeoutMs: 20_000 })
    expect(other.evicted).toEqual(['tiny-1'])
  }, 60_000)

  it('quarantines a model after three crashes in the window, and a restart by hand lifts it', async () => {
    const { call, events } = await setup(1)
    await call('worker.load', { model: 'tiny-1' })
    for (let i = 0; i < 3; i++) {
      const w = await waitFor(async () => (await call('worker.list', {})).workers.find((x) => x.state === 'ready' || x.state === 'quarantined'), 'ready')
      if (w.state === 'quarantined') break
      await call('worker.kill', { model: 'tiny-1' })
      await waitFor(async () => (await call('worker.list', {})).workers.find((x) => x.pid !== w.pid), 'exit')
    }
    const q = await waitFor(async () => (await call('worker.list', {})).workers.find((x) => x.state === 'quarantined'), 'quarantine')
    expect(q).toMatchObject({ crashes: 3, pid: null })
    expect(q.lastError).toMatch(/SIGKILL/)
    const e = await expectError(call('persona.chat', { name: 'P1', prompt: 'hi', stateless: true }))
    expect(e.code).toBe('QUARANTINED')
    expect(e.hint).toMatch(/warden worker restart tiny-1/)
    expect(events.some((x) => x.event === 'alert' && x.payload.level === 'error' && /quarantined/.test(x.payload.title))).toBe(true)
    const back = await call('worker.restart', { model: 'tiny-1' })
    expect(back.state).toBe('ready')
    expect((await call('persona.chat', { name: 'P1', prompt: 'hi', stateless: true })).tokens).toBeGreaterThan(0)
  }, 60_000)

  it('shuts every worker down with the host: no orphan processes', async () => {
    const h = await setup(2)
    await h.call('persona.chat', { name: 'P1', prompt: 'x', stateless: true })
    await h.call('persona.chat', { name: 'P2', prompt: 'y', stateless: true })
    const pids = (await h.call('worker.list', {})).workers.map((w) => w.pid!)
    expect(pids).toHaveLength(2)
    await waitFor(() => /warden-worker \(spare\)/.test(childProcesses()), 'the spare worker')
    await h.host.shutdown()
    hosts.splice(hosts.indexOf(h), 1)
    for (const pid of pids) expect(processAlive(pid)).toBe(false)
    // Nor the spare worker the server keeps ready: no worker process is left among our children.
    expect(childProcesses()).not.toMatch(/warden-worker/)
  }, 60_000)
})

/** The command line `ps` shows for a process. */
function psArgs(pid: number): string {
  return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim()
}

/** A process's resident memory as `ps` reads it from the system, in bytes. */
function psRss(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) * 1024
}

describe('a fair scheduler', () => {
  it('gives a request for an idle loaded model a place however full other models keep the queue', async () => {
    const h = await setup(2, { maxQueueSize: 2, parallelRequestsPerModel: 1 })
    await h.call('persona.create', { name: 'Long', model: 'tiny-1', settings: { temperature: 0, maxTokens: 2000 } })
    await h.call('worker.load', { model: 'tiny-1' })
    await h.call('worker.load', { model: 'tiny-2' })
    const running = h.call('persona.chat', { name: 'Long', prompt: 'go on', stateless: true }, 'long')
    await waitFor(() => h.host.inference.scheduler.slot('tiny-1')?.inFlight === 1, 'the long answer running')
    const queued = [h.call('persona.chat', { name: 'P1', prompt: 'a', stateless: true }), h.call('persona.chat', { name: 'P1', prompt: 'b', stateless: true })]
    await waitFor(() => h.host.inference.scheduler.queueDepth() === 2, 'the queue full')
    const more = await expectError(h.call('persona.chat', { name: 'P1', prompt: 'c', stateless: true }))
    expect(more.message).toMatch(/maxQueueSize 2/)
    // tiny-2 is loaded and idle: its request runs now, though tiny-1's work fills the queue.
    const other = await h.call('persona.chat', { name: 'P2', prompt: 'me too', stateless: true })
    expect(other).toMatchObject({ loaded: false, evicted: [] })
    expect(h.host.inference.scheduler.queueDepth()).toBe(2)
    await h.call('operation.cancel', { callId: 'long' })
    await Promise.all([running, ...queued])
  }, 60_000)

  it('serves loaded models with free sequences while a request waits for memory, and holds back only the model it will page out', async () => {
    const h = await setup(3, { parallelRequestsPerModel: 2 })
    await h.call('config.set', { key: 'maxVRAM', value: await h.fits(2) })
    for (const i of [1, 2]) await h.call('persona.create', { name: `Long${i}`, model: `tiny-${i}`, settings: { temperature: 0, maxTokens: 2000 } })
    await h.call('persona.chat', { name: 'P1', prompt: 'first', stateless: true })
    await h.call('persona.chat', { name: 'P2', prompt: 'second', stateless: true }) // tiny-1 is the least recently used
    const longs = [1, 2].map((i) => h.call('persona.chat', { name: `Long${i}`, prompt: 'go on', stateless: true }, `long-${i}`))
    const scheduler = h.host.inference.scheduler
    await waitFor(() => scheduler.slot('tiny-1')?.inFlight === 1 && scheduler.slot('tiny-2')?.inFlight === 1, 'both models busy')
    const firstLoad = scheduler.slot('tiny-1')?.load
    expect(firstLoad).toBeTruthy()
    const settled: string[] = []
    const waiting = h.call('persona.chat', { name: 'P3', prompt: 'room please', stateless: true }).then((r) => (settled.push('P3'), r))
    await waitFor(() => scheduler.queueDepth() === 1, 'P3 waiting for memory')
    const held = h.call('persona.chat', { name: 'P1', prompt: 'after you', stateless: true }).then((r) => (settled.push('P1'), r))
    // tiny-2 has a free sequence and P3 does not need its memory: this runs now.
    const now = await h.call('persona.chat', { name: 'P2', prompt: 'quick', stateless: true })
    expect(now.loaded).toBe(false)
    expect(settled).toEqual([])
    expect(scheduler.slot('tiny-1')?.inFlight).toBe(1) // the request for tiny-1 got no new sequence
    await h.call('operation.cancel', { callId: 'long-1' })
    const placed = await waiting
    expect(placed.evicted).toEqual(['tiny-1'])
    await h.call('operation.cancel', { callId: 'long-2' })
    // The request for tiny-1 waited for P3 and then had tiny-1 loaded again: it never ran on the worker P3 waited for.
    await held
    expect(settled).toEqual(['P3', 'P1'])
    // Loaded again (in a process that may be the one it was paged out of, kept as a spare).
    expect(scheduler.slot('tiny-1')?.load).not.toBe(firstLoad)
    await Promise.all(longs)
  }, 90_000)
})

describe('honest memory', () => {
  it('counts each worker by its measured memory and the spare workers too, and names workers by their model in ps', async () => {
    const h = await setup(1, { spareWorkers: 2 })
    expect((await h.call('worker.list', {})).spares).toEqual([]) // none before Warden serves a request
    await h.call('persona.chat', { name: 'P1', prompt: 'hello', stateless: true })
    const list = await waitFor(async () => {
      const l = await h.call('worker.list', {})
      return l.spares.length === 2 && l.spares.every((s) => s.state === 'ready') ? l : null
    }, 'two spare workers ready')
    await h.host.inference.scheduler.refreshStats(2000)
    const [w] = (await h.call('worker.list', {})).workers
    expect(w.measuredBytes).not.toBeNull()
    expect(w.memoryBytes).toBe(w.measuredBytes)
    // On the CPU that is the worker's resident memory as the system sees it: far more than the model's 0.5 MB file.
    const rss = psRss(w.pid!)
    expect(w.measuredBytes!).toBeGreaterThan(0.9 * rss)
    expect(w.measuredBytes!).toBeLessThan(1.1 * rss)
    expect(rss).toBeGreaterThan(20 * MB)
    // It was placed with the file's estimate and the runtime's cost per worker.
    expect(w.estimateBytes).toBeGreaterThan(h.estimate)
    for (const s of list.spares) {
      expect(s.memoryBytes).toBe(s.rssBytes)
      expect(s.memoryBytes).toBeGreaterThan(0.8 * psRss(s.pid!))
      expect(s.pid).not.toBe(w.pid)
      expect(psArgs(s.pid!)).toMatch(/^warden-worker \(spare\)/)
    }
    expect((await h.call('worker.list', {})).budget.usedBytes).toBe(w.memoryBytes + list.spares.reduce((sum, s) => sum + s.memoryBytes, 0))
    expect(list.runtime.measuredIn).toBe('worker')
    expect(psArgs(w.pid!)).toMatch(/^warden-worker tiny-1\s*$/)
  }, 60_000)

  it('counts a worker’s runtime as a process holds it before its model is loaded, not the model’s KV cache', async () => {
    const h = inferenceHost()
    hosts.push(h)
    // 32768 tokens of context: a KV cache of 2 · 8 layers · 32768 · 256 · 2 bytes = 256 MiB, in the worker beside a 4 MB model.
    await writeTinyModel(path.join(h.home, 'models', 'long.gguf'), { name: 'long', seed: 1000, contextLength: 32768, embd: 256, heads: 4, layers: 8 })
    await h.call('config.set', { key: 'spareWorkers', value: 1 })
    await h.call('persona.create', { name: 'Long', model: 'long', systemPrompt: 'Be brief.', settings: { temperature: 0, maxTokens: 8, contextSize: 32768 } })
    await h.call('persona.chat', { name: 'Long', prompt: 'hello', stateless: true })
    const list = await waitFor(async () => {
      const l = await h.call('worker.list', {})
      return l.spares.length === 1 && l.spares[0].state === 'ready' ? l : null
    }, 'a spare worker ready')
    const [w] = list.workers
    const [spare] = list.spares
    expect(w.rssBytes!).toBeGreaterThan(spare.rssBytes! + 200 * MB)
    // The runtime's cost, added to every model's prediction and to each spare's, is about what a spare holds.
    expect(list.runtime.measuredIn).toBe('worker')
    expect(list.runtime.bytes).toBeGreaterThan(spare.rssBytes! / 1.5)
    expect(list.runtime.bytes).toBeLessThan(spare.rssBytes! * 1.5)
  }, 60_000)

  it('places a model again by what its load cost, not by what its worker grew to serving a large request', async () => {
    const h = await setup(1, { spareWorkers: 0 })
    const budgetMb = await h.fits(1)
    await h.call('config.set', { key: 'maxVRAM', value: budgetMb })
    await h.call('persona.chat', { name: 'P1', prompt: 'hi', stateless: true })
    // A 60 MB prompt: refused (far past the context), but the worker's JavaScript heap grew to hold it.
    const persona = h.host.inference.personas.get('P1')!
    const e = await expectError(h.host.inference.generate({ persona, history: [], prompt: 'x '.repeat(30_000_000), priority: 'default' }))
    expect(e.code).toBe('INVALID_INPUT')
    // Measured again, the worker counts as what it holds now: over the budget, so it is paged out (it is idle).
    await h.host.inference.scheduler.refreshStats(5000)
    expect(h.events.some((x) => x.event === 'workers.changed' && /grew past the memory budget/.test(x.payload.reason))).toBe(true)
    expect(h.host.inference.scheduler.peakUsedBytes).toBeGreaterThan(budgetMb * MB)
    await waitFor(async () => (await h.call('worker.list', {})).workers.length === 0, 'the worker paged out')
    // The model still fits as it did: it loads again, placed as its first load measured.
    const again = await h.call('persona.chat', { name: 'P1', prompt: 'hi', stateless: true })
    expect(again).toMatchObject({ loaded: true })
    const [w] = (await h.call('worker.list', {})).workers
    expect(w.estimateBytes).toBeLessThanOrEqual(budgetMb * MB)
  }, 90_000)

  it('refuses a model whose estimate alone fits but not with its worker, and starts no spare beyond the budget', async () => {
    const h = await setup(1)
    await h.call('config.set', { key: 'maxVRAM', value: Math.ceil((1.5 * h.estimate) / MB) })
    const e = await expectError(h.call('persona.chat', { name: 'P1', prompt: 'hi', stateless: true }))
    expect(e.code).toBe('DOES_NOT_FIT')
    const list = await h.call('worker.list', {})
    expect(list.spares).toEqual([])
    expect(list.budget.usedBytes).toBe(0)
  }, 60_000)
})

describe('spare workers kept from unloaded models', () => {
  /** The worker processes among our children, by pid. */
  const workerPids = () =>
    childProcesses()
      .split('\n')
      .filter((l) => /warden-worker/.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[0]))

  it('keeps a paged-out worker’s process as a spare: the next model loads in it and answers as in a fresh process', async () => {
    const h = await setup(2, { maxConcurrentWorkers: 1, spareWorkers: 0 })
    const chat = async (name: string) => {
      const r = await h.call('persona.chat', { name, prompt: 'hello there', stateless: true })
      return { ...r, pid: (await h.call('worker.list', {})).workers.find((w) => w.modelId === r.modelId)!.pid! }
    }
    // spareWorkers 0: each model answers in a process of its own (the references).
    const fresh1 = await chat('P1')
    const fresh2 = await chat('P2')
    expect(fresh2.pid).not.toBe(fresh1.pid)
    expect(processAlive(fresh1.pid)).toBe(false)

    await h.call('config.set', { key: 'spareWorkers', value: 1 })
    const kept1 = await chat('P1')
    expect(kept1).toMatchObject({ loaded: true, evicted: ['tiny-2'], pid: fresh2.pid, text: fresh1.text })
    const kept2 = await chat('P2')
    expect(kept2).toMatchObject({ loaded: true, evicted: ['tiny-1'], pid: fresh2.pid, text: fresh2.text })
    // No other worker process was started meanwhile.
    expect(workerPids()).toEqual([fresh2.pid])

    // Unloaded by hand, the process waits as a spare, counted by its memory measured after the unload.
    const loaded = (await h.call('worker.list', {})).workers[0]
    await h.call('worker.unload', { model: 'tiny-2' })
    const list = await h.call('worker.list', {})
    expect(list.workers).toEqual([])
    expect(list.spares).toHaveLength(1)
    const [spare] = list.spares
    expect(spare).toMatchObject({ pid: fresh2.pid, state: 'ready' })
    expect(spare.memoryBytes).toBe(spare.rssBytes)
    expect(spare.rssBytes!).toBeLessThan(loaded.rssBytes!)
    expect(list.budget.usedBytes).toBe(spare.memoryBytes)
    expect(psArgs(fresh2.pid)).toMatch(/^warden-worker \(spare\)/)
    expect(await chat('P1')).toMatchObject({ loaded: true, pid: fresh2.pid, text: fresh1.text })
  }, 90_000)

  it('never keeps a crashed worker: the model restarts in another process', async () => {
    const h = await setup(1, { maxConcurrentWorkers: 1, spareWorkers: 1 })
    await h.call('persona.chat', { name: 'P1', prompt: 'hi', stateless: true })
    const before = (await h.call('worker.list', {})).workers[0]
    await h.call('worker.kill', { model: 'tiny-1' })
    const after = await waitFor(async () => (await h.call('worker.list', {})).workers.find((w) => w.state === 'ready' && w.pid !== before.pid), 'the restart')
    expect(processAlive(before.pid!)).toBe(false)
    expect((await h.call('worker.list', {})).spares.map((s) => s.pid)).not.toContain(before.pid)
    expect(after.crashes).toBe(1)
  }, 60_000)
})
