import * as path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../test/fixtures'
import { processAlive, waitFor, writeTinyModels } from '../../../../test/inference'
import { ForkLauncher } from '../workers/launcher'
import { WorkerProcess } from '../workers/WorkerProcess'
import type { CrashPolicy } from './crashPolicy'
import { canTransition, IllegalTransitionError } from './lifecycleStates'
import { MemoryLedger } from './MemoryLedger'
import { WardenError } from '../../../shared/errors'
import type { UnloadResult } from '../workers/protocol'
import { WorkerLifecycle, type ProcessKeeper } from './WorkerLifecycle'

const launcher = new ForkLauncher()
let file = ''
beforeAll(async () => {
  ;[file] = await writeTinyModels(tempDir('warden-lifecycle-'), 1)
})

const lifecycles: WorkerLifecycle[] = []
afterEach(async () => {
  for (const lc of lifecycles.splice(0)) {
    lc.dispose()
    await lc.stop('test over')
  }
})

/** A lifecycle for the tiny model that records its state changes as `from→to`. */
function setup(crashPolicy: CrashPolicy = { maxCrashes: 3, windowMs: 60_000, backoffBaseMs: 50, backoffMaxMs: 50 }, modelPath = file) {
  const lc = new WorkerLifecycle({ id: 'tiny-1', name: 'Tiny', path: modelPath, estimateBytes: 1000 }, { now: Date.now, crashPolicy, graceMs: 2000 })
  lifecycles.push(lc)
  const changes: string[] = []
  lc.onDidChangeState((e) => changes.push(`${e.from}→${e.to}`))
  const ledger = new MemoryLedger()
  /** Start a fresh worker process holding a new reservation. */
  const start = () => {
    const reservation = ledger.reserve(1000, 'tiny-1')
    const worker = new WorkerProcess(launcher, 'tiny-1', 512)
    lc.start(worker, reservation, 'test', { modelPath, gpuLayers: 0, sequences: 1, contextSize: 256, threads: 1 })
    return { reservation, worker }
  }
  return { lc, changes, ledger, start }
}

describe('a model worker’s lifecycle', () => {
  it('goes from starting to ready and serves requests; its memory stays reserved until the process has exited', async () => {
    const { lc, changes, ledger, start } = setup()
    const { reservation, worker } = start()
    await waitFor(() => lc.state === 'ready', 'ready')
    expect(lc.load?.loadMs).toBeGreaterThanOrEqual(0)
    lc.beginRequest()
    lc.beginRequest()
    expect(lc).toMatchObject({ state: 'busy', inFlight: 2 })
    lc.endRequest()
    expect(lc.state).toBe('busy')
    lc.endRequest()
    expect(lc).toMatchObject({ state: 'ready', inFlight: 0 })

    const pid = worker.pid!
    let heldAtExitRequest: boolean | null = null
    lc.onDidChangeState((e) => {
      if (e.to === 'stopping') heldAtExitRequest = !reservation.released && processAlive(pid)
    })
    const stopped = lc.stop('unloaded by the test')
    expect(heldAtExitRequest).toBe(true)
    expect(ledger.usedBytes).toBeGreaterThanOrEqual(1000)
    await stopped
    expect(processAlive(pid)).toBe(false)
    expect(reservation.released).toBe(true)
    expect(ledger.usedBytes).toBe(0)
    expect(lc).toMatchObject({ state: 'stopped', worker: null, memoryBytes: 0, load: null })
    expect(changes).toEqual(['stopped→starting', 'starting→loading', 'loading→ready', 'ready→busy', 'busy→ready', 'ready→stopping', 'stopping→stopped'])
  }, 30_000)

  it('learns what its load cost when loaded; a later measurement counts for the process but changes nothing learned', async () => {
    const { lc, ledger, start } = setup()
    start()
    await waitFor(() => lc.state === 'ready', 'ready')
    const load = lc.load!
    expect(load.rssBeforeBytes).toBeGreaterThan(20 * 1024 * 1024) // node, node-llama-cpp and llama.cpp, no model
    expect(load.rssAfterBytes).toBeGreaterThan(load.rssBeforeBytes)
    const learned = lc.learnedBytes('test')!
    expect(learned).toBe(Math.max(load.rssAfterBytes - load.rssBeforeBytes, load.ramBytes))
    expect(lc.learnedBytes('another load')).toBeNull()
    // The process grew (a large request's heap): it counts as what it holds, but the next load is placed as this one cost.
    lc.measure(4096 * 1024 * 1024)
    expect(lc.memoryBytes).toBe(4096 * 1024 * 1024)
    expect(ledger.usedBytes).toBe(4096 * 1024 * 1024)
    expect(lc.learnedBytes('test')).toBe(learned)
  }, 30_000)

  it('counts the LoRA adapters a worker reports on top of what llama.cpp allocated for the model', async () => {
    const { lc, ledger, start } = setup()
    start()
    await waitFor(() => lc.state === 'ready', 'ready')
    const ram = lc.load!.ramBytes
    // Resident memory not yet grown by the adapters (their weights are read as they are used): llama.cpp's figure plus the adapters'.
    lc.measure(1, 300 * 1024 * 1024)
    expect(lc.memoryBytes).toBe(ram + 300 * 1024 * 1024)
    expect(ledger.usedBytes).toBe(ram + 300 * 1024 * 1024)
    // Resident memory already larger: that is what it holds.
    lc.measure(ram + 400 * 1024 * 1024, 300 * 1024 * 1024)
    expect(lc.memoryBytes).toBe(ram + 400 * 1024 * 1024)
  }, 30_000)

  it('after a crash releases the memory, backs off, becomes due for restart; the crash that reaches the limit quarantines', async () => {
    const { lc, changes, ledger, start } = setup({ maxCrashes: 2, windowMs: 60_000, backoffBaseMs: 50, backoffMaxMs: 50 })
    const verdicts: string[] = []
    lc.onDidCrash((e) => verdicts.push(`${e.verdict.action}: ${e.description}`))
    start()
    await waitFor(() => lc.state === 'ready', 'ready')
    const due = new Promise<void>((resolve) => lc.onDidBecomeDueForRestart(resolve))
    lc.kill()
    await waitFor(() => lc.state === 'restarting', 'restarting')
    expect(ledger.usedBytes).toBe(0)
    expect(lc.history.restartAt).not.toBeNull()
    expect(lc.lastError).toMatch(/SIGKILL/)
    await due
    expect(lc).toMatchObject({ state: 'stopped', history: { restarts: 1, crashes: 1, restartAt: null } })

    start()
    await waitFor(() => lc.state === 'ready', 'ready again')
    lc.kill()
    await waitFor(() => lc.state === 'quarantined', 'quarantined')
    expect(ledger.usedBytes).toBe(0)
    expect(verdicts).toEqual(['restart: killed (SIGKILL: out of memory, or killed by hand)', 'quarantine: killed (SIGKILL: out of memory, or killed by hand)'])
    expect(changes).toEqual([
      ...['stopped→starting', 'starting→loading', 'loading→ready', 'ready→crashed', 'crashed→restarting', 'restarting→stopped'],
      ...['stopped→starting', 'starting→loading', 'loading→ready', 'ready→crashed', 'crashed→quarantined'],
    ])
    // Quarantined: no request is taken until a person resets it.
    expect(() => lc.beginRequest()).toThrow(IllegalTransitionError)
    expect(lc.reset('unloaded')).toBe(true)
    expect(lc.state).toBe('stopped')
  }, 30_000)

  it('reports a model that cannot be loaded (not a crash) and stops its worker', async () => {
    const { lc, changes, ledger, start } = setup(undefined, path.join(tempDir('warden-missing-'), 'missing.gguf'))
    const failures: string[] = []
    lc.onDidFailLoad((e) => failures.push(e.code))
    start()
    await waitFor(() => changes.includes('stopping→stopped'), 'stopped')
    expect(failures).toEqual(['INVALID_INPUT'])
    expect(lc).toMatchObject({ state: 'stopped', history: { crashes: 0 } })
    expect(lc.lastError).toMatch(/could not load/)
    expect(ledger.usedBytes).toBe(0)
    expect(changes).toEqual(['stopped→starting', 'starting→loading', 'loading→stopping', 'stopping→stopped'])
  }, 30_000)

  /** A keeper that wants the process, takes it when `take` says so, and records what it was given. */
  function keeper(take: boolean) {
    const given: Array<{ worker: WorkerProcess; after: UnloadResult }> = []
    const k: ProcessKeeper = { wanted: () => true, adopt: (worker, _reservation, after) => (given.push({ worker, after }), take) }
    return { k, given }
  }

  it('unloads the model inside the process and hands the process over as a spare when asked to keep it', async () => {
    const { lc, changes, ledger, start } = setup()
    const { reservation, worker } = start()
    await waitFor(() => lc.state === 'ready', 'ready')
    const { k, given } = keeper(true)
    await lc.stop('paged out', k)
    expect(lc).toMatchObject({ state: 'stopped', worker: null, memoryBytes: 0, load: null })
    expect(changes.slice(-2)).toEqual(['ready→stopping', 'stopping→stopped'])
    expect(processAlive(worker.pid!)).toBe(true)
    expect(given).toHaveLength(1)
    expect(given[0].after.rssBytes).toBeGreaterThan(0)
    // The reservation went with the process: still held until the keeper releases it.
    expect(reservation.released).toBe(false)
    expect(reservation.bytes).toBeGreaterThan(0)
    expect(ledger.usedBytes).toBe(reservation.bytes)
    // The process loads a model again, as a spare does.
    const again = await worker.load({ modelPath: file, gpuLayers: 0, sequences: 1, contextSize: 256, threads: 1 })
    expect(again.contextSize).toBe(256)
    await worker.shutdown(2000)
  }, 30_000)

  it('ends the process instead when a request on it failed, or the keeper finds it holds too much', async () => {
    const { lc, start } = setup()
    const first = start().worker
    await waitFor(() => lc.state === 'ready', 'ready')
    lc.requestFailed(first, new WardenError('INTERNAL', 'llama.cpp failed'))
    const failed = keeper(true)
    await lc.stop('paged out', failed.k)
    expect(failed.given).toEqual([]) // not even unloaded
    expect(processAlive(first.pid!)).toBe(false)

    const { reservation, worker } = start()
    await waitFor(() => lc.state === 'ready', 'ready again')
    lc.requestFailed(worker, new WardenError('CANCELLED', 'cancelled by the caller')) // the request's own: no harm to the process
    const refused = keeper(false)
    await lc.stop('paged out', refused.k)
    expect(refused.given).toHaveLength(1)
    expect(processAlive(worker.pid!)).toBe(false)
    expect(reservation.released).toBe(true)
    expect(lc.state).toBe('stopped')
  }, 30_000)

  it('refuses illegal transitions: a bug in the scheduler fails loudly', () => {
    const { lc } = setup()
    expect(() => lc.beginRequest()).toThrow(/Illegal worker state change for tiny-1: stopped → busy/)
    expect(() => lc.endRequest()).toThrow(/without a request in flight/)
    expect(lc.reset('unloaded')).toBe(false)
    expect(canTransition('stopped', 'starting')).toBe(true)
    expect(canTransition('stopping', 'ready')).toBe(false)
    expect(canTransition('quarantined', 'starting')).toBe(false)
    expect(canTransition('restarting', 'starting')).toBe(false)
    expect(canTransition('busy', 'stopped')).toBe(false)
  })
})
