import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { WardenDatabase } from '../storage/Database'
import { SettingsStore, type SettingsChange } from './SettingsStore'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

/** Two stores on one database file, each with its own connection: the app and a CLI beside it. */
function twoProcesses() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-settings-'))
  const file = path.join(dir, 'warden.db')
  const appDb = new WardenDatabase(file)
  const cliDb = new WardenDatabase(file)
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }), () => appDb.dispose(), () => cliDb.dispose())
  return { app: new SettingsStore(appDb), cli: new SettingsStore(cliDb) }
}

function collect(store: SettingsStore): SettingsChange[] {
  const seen: SettingsChange[] = []
  cleanups.push(store.onDidChange((c) => seen.push(c)))
  return seen
}

describe('SettingsStore', () => {
  it('tells its listeners what config.set changed, and nothing when the value stays', () => {
    const { app } = twoProcesses()
    const seen = collect(app)
    expect(app.set('maxQueueSize', '12').value).toBe(12)
    app.set('maxQueueSize', 12)
    expect(seen).toEqual([{ keys: ['maxQueueSize'], source: 'operation' }])
  })

  it('notices within a second what another process changed, naming the settings', async () => {
    const { app, cli } = twoProcesses()
    const seen = collect(app)
    const stop = app.watch(50)
    cleanups.push(stop)
    cli.set('requestTimeoutMs', 5000)
    cli.set('autoInstallModels', 'false')
    await expect.poll(() => seen.flatMap((c) => c.keys).sort(), { timeout: 1000 }).toEqual(['autoInstallModels', 'requestTimeoutMs'])
    expect(seen.every((c) => c.source === 'elsewhere')).toBe(true)
    expect(app.get()).toMatchObject({ requestTimeoutMs: 5000, autoInstallModels: false })
    // A commit elsewhere that touches no setting (usage, API keys) is not a change.
    const count = seen.length
    cli.set('requestTimeoutMs', 5000)
    await new Promise((r) => setTimeout(r, 200))
    expect(seen.length).toBe(count)
  })

  it('refuses a bad value with a sentence naming the limit and its unit, the description as hint', () => {
    const { app } = twoProcesses()
    const refusal = (key: string, value: unknown) => {
      try {
        app.set(key, value)
      } catch (error) {
        return error as { code: string; message: string; hint: string }
      }
      throw new Error(`${key} = ${String(value)} was accepted`)
    }
    expect(refusal('requestTimeoutMs', 10)).toMatchObject({ code: 'INVALID_INPUT', message: 'requestTimeoutMs cannot be 10: at least 1000 ms', hint: 'Longest a request may wait and run (ms)' })
    expect(refusal('requestTimeoutMs', 1e9).message).toBe('requestTimeoutMs cannot be 1000000000: at most 24 hours (86400000 ms)')
    expect(refusal('maxConcurrentWorkers', 'many').message).toBe('maxConcurrentWorkers cannot be "many": give a number')
    expect(refusal('maxRAMPerWorker', '512.5').message).toBe('maxRAMPerWorker cannot be "512.5": give a whole number')
    expect(refusal('gpuLayers', 'most').message).toBe('gpuLayers cannot be "most": give auto or a number')
    expect(refusal('autoInstallModels', 'yes').message).toBe('autoInstallModels cannot be "yes": give true or false')
    expect(app.get()).toMatchObject({ requestTimeoutMs: 300000, maxRAMPerWorker: 4096, gpuLayers: 'auto' })
  })
})
