import * as path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../test/fixtures'
import { processAlive, waitFor, writeTinyModels } from '../../../../test/inference'
import { ForkLauncher } from '../workers/launcher'
import { WorkerProcess } from '../workers/WorkerProcess'
import type { CrashPolicy } from './crashPolicy'
import { canTransition, IllegalTransitionError } from './lifecycleStates'
import { MemoryLedger } from './MemoryLedger'
import { WorkerLifecycle } from './WorkerLifecycle'

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
    lc.start(worker, reservation, { modelPath, gpuLayers: 0, sequences: 1, contextSize: 256, threads: 1 })
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
