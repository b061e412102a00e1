import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach } from 'vitest'
import { WardenHost, type WardenHostOptions } from '../src/main/services/host/WardenHost'
import { writeTinyModel } from '../src/main/services/models/tinyGguf'
import type { AnyEvent } from '../src/shared/contract/events'
import type { OperationInput, OperationName, OperationOutput } from '../src/shared/contract/operations'
import { WardenError } from '../src/shared/errors'
import { tempDir } from './fixtures'

/** Write `count` tiny random-weight models (distinct seeds, same size) into `dir`; returns their paths. */
export async function writeTinyModels(dir: string, count: number, prefix = 'tiny'): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true })
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `${prefix}-${i + 1}.gguf`)
    await writeTinyModel(file, { name: `${prefix}-${i + 1}`, seed: 1000 + i })
    out.push(file)
  }
  return out
}

/**
 * A host on a fresh home for inference tests: no GPU readings (the budget is RAM, or maxVRAM),
 * short crash back-offs, and every event recorded.
 */
export function inferenceHost(options: Partial<WardenHostOptions> & { home?: string } = {}) {
  const home = options.home ?? tempDir('warden-ai-home-')
  const host = new WardenHost({
    home,
    runtime: 'server',
    watch: false,
    ...options,
    inference: { detectGpus: async () => [], scheduler: { backoffBaseMs: 100, backoffMaxMs: 400, graceMs: 2000, ...options.inference?.scheduler }, ...options.inference },
  })
  const events: AnyEvent[] = []
  host.onEvent((e) => events.push(e))
  async function call<K extends OperationName>(name: K, input: OperationInput<K>, callId?: string): Promise<OperationOutput<K>> {
    const r = await host.invoke(name, input, callId)
    if (!r.ok) throw WardenError.from(r.error)
    return r.value as OperationOutput<K>
  }
  return { host, home, call, events }
}

/**
 * Memory budgets (maxVRAM, in MB) sized by what a tiny model's worker really takes here: load
 * `model`, read its measured memory and the prediction the next load is placed with (its estimate
 * plus the runtime's measured cost per worker), unload it. `fits(n)` holds n loaded workers and not
 * n + 1, with half a worker of margin either way (resident memory varies a little between workers).
 */
/**
 * A maker of inference hosts (a fresh home, or `home` to open the same one again) that are all shut
 * down after each test of the file that calls this at its top level.
 */
export function inferenceHosts() {
  const hosts: InferenceTestHost[] = []
  afterEach(async () => {
    for (const h of hosts.splice(0)) await h.host.shutdown()
  })
  const make = (home?: string): InferenceTestHost => {
    const h = inferenceHost(home ? { home } : {})
    hosts.push(h)
    return h
  }
  /** Shut one down now (a test that opens its home again). */
  const quit = async (h: InferenceTestHost): Promise<void> => {
    hosts.splice(hosts.indexOf(h), 1)
    await h.host.shutdown()
  }
  return Object.assign(make, { quit })
}

export type InferenceTestHost = ReturnType<typeof inferenceHost>

export async function measureWorker(h: ReturnType<typeof inferenceHost>, model: string, estimateBytes: number) {
  const MB = 1024 * 1024
  const worker = await h.call('worker.load', { model })
  const measured = worker.measuredBytes
  if (measured === null) throw new Error(`${model} was loaded without a measurement of its memory`)
  await h.call('worker.unload', { model })
  const predicted = estimateBytes + (await h.call('worker.list', {})).runtime.bytes
  return { measured, predicted, fits: (n: number) => Math.floor(((n - 1) * measured + predicted + measured / 2) / MB) }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export interface FileServer {
  base: string
  /** Path → file contents served. */
  files: Map<string, Buffer>
  /** GET requests per path, and body bytes sent. */
  gets: Map<string, number>
  bytesSent: number
  close(): Promise<void>
}

/** A local HTTP server of generated files (what a model download talks to in tests), with Range support. */
export async function serveFiles(files: Record<string, Buffer> = {}): Promise<FileServer> {
  const http = await import('node:http')
  const state: FileServer = { base: '', files: new Map(Object.entries(files)), gets: new Map(), bytesSent: 0, close: async () => undefined }
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname
    const data = state.files.get(p)
    if (!data) return void res.writeHead(404).end('not found')
    if (req.method === 'GET') state.gets.set(p, (state.gets.get(p) ?? 0) + 1)
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    const start = m ? Number(m[1]) : 0
    const end = m && m[2] ? Math.min(Number(m[2]), data.length - 1) : data.length - 1
    res.writeHead(m ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      'content-length': String(end - start + 1),
      ...(m ? { 'content-range': `bytes ${start}-${end}/${data.length}` } : {}),
    })
    if (req.method === 'HEAD') return void res.end()
    state.bytesSent += end - start + 1
    res.end(data.subarray(start, end + 1))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return state
}
