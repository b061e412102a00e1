import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { expectError, tempDir } from '../../../../test/fixtures'
import { inferenceHost, serveFiles, waitFor, writeTinyModels, type FileServer } from '../../../../test/inference'
import { tinyModelBuffer } from '../models/tinyGguf'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function setup() {
  const h = inferenceHost()
  const server: FileServer = await serveFiles({ '/models/chatty.gguf': tinyModelBuffer({ name: 'chatty', seed: 7, padBytes: 3 * 1024 * 1024 }) })
  cleanups.push(() => h.host.shutdown(), () => server.close())
  return { ...h, server, url: `${server.base}/models/chatty.gguf` }
}

describe('models', () => {
  it('installs a persona’s missing model on first use, with progress, then answers; the next request uses the cache', async () => {
    const { call, server, url, events } = await setup()
    await call('persona.create', { name: 'Chatty', model: url, settings: { maxTokens: 8, temperature: 0 } })
    const first = await call('persona.chat', { name: 'Chatty', prompt: 'hi' }, 'call-1')
    expect(first).toMatchObject({ installed: true, loaded: true, modelId: 'chatty' })
    expect(first.text.length).toBeGreaterThan(0)
    const progress = events.flatMap((e) => (e.event === 'operation.progress' && e.payload.callId === 'call-1' ? [e.payload] : []))
    expect(progress[0]).toMatchObject({ phase: 'installing', fraction: 0 })
    expect(progress.at(-1)).toMatchObject({ phase: 'installing', fraction: 1 })
    expect(progress.at(-1)!.message).toMatch(/Installing chatty: 3\.\d MB of 3\.\d MB/)
    const sent = server.bytesSent
    const second = await call('persona.chat', { name: 'Chatty', prompt: 'again' })
    expect(second).toMatchObject({ installed: false, loaded: false })
    expect(server.bytesSent).toBe(sent) // nothing downloaded again
    const listed = (await call('model.list', {})).models.find((m) => m.id === 'chatty')!
    expect(listed).toMatchObject({ installed: true, source: 'download', uri: url, loaded: true })
    expect(listed.facts).toMatchObject({ architecture: 'llama', contextLength: 1024, layers: 2 })
  }, 60_000)

  it('downloads a model once when two personas ask for it at the same time', async () => {
    const { call, server, url } = await setup()
    await call('persona.create', { name: 'A', model: url, settings: { maxTokens: 4 } })
    await call('persona.create', { name: 'B', model: url, settings: { maxTokens: 4 } })
    const [a, b] = await Promise.all([call('persona.chat', { name: 'A', prompt: 'x' }), call('persona.chat', { name: 'B', prompt: 'y' })])
    expect(a.installed && b.installed).toBe(true)
    const size = server.files.get('/models/chatty.gguf')!.length
    // One download serves both: node-llama-cpp's downloader first probes the size with a GET whose
    // body it drops (counted here in full), then fetches once; two downloads would be 4x the size.
    expect(server.bytesSent).toBeLessThanOrEqual(2 * size)
    expect(server.gets.get('/models/chatty.gguf')).toBeLessThanOrEqual(2)
  }, 60_000)

  it('with autoInstallModels off, says how to install instead of downloading', async () => {
    const { call, server, url } = await setup()
    await call('config.set', { key: 'autoInstallModels', value: 'false' })
    await call('persona.create', { name: 'Chatty', model: url })
    const e = await expectError(call('persona.chat', { name: 'Chatty', prompt: 'hi' }))
    expect(e.code).toBe('NOT_FOUND')
    expect(e.hint).toContain(`warden model install ${url}`)
    expect(server.bytesSent).toBe(0)
  })

  it('adds local files (refusing what is not GGUF), estimates memory from the header, and removes without deleting a local file', async () => {
    const { call, home } = await setup()
    const [file] = await writeTinyModels(tempDir('warden-local-'), 1, 'local')
    const notGguf = path.join(home, 'notes.gguf')
    fs.writeFileSync(notGguf, 'hello')
    const bad = await expectError(call('model.add', { path: notGguf }))
    expect(bad.code).toBe('INVALID_INPUT')
    expect(bad.message).toMatch(/not a GGUF model/)
    const added = await call('model.add', { path: file })
    expect(added).toMatchObject({ id: 'local-1', source: 'file', installed: true })
    expect(added.facts!.estimatedMemory).toBeGreaterThan(added.size!)

    // The estimate is at least what the worker really takes once loaded.
    const worker = await call('worker.load', { model: 'local-1' })
    const measured = added.facts!.weightsBytes
    expect(worker.memoryBytes).toBeGreaterThanOrEqual(measured)

    const removed = await call('model.remove', { id: 'local-1' })
    expect(removed.deletedFile).toBeNull()
    expect(fs.existsSync(file)).toBe(true)
    expect((await call('worker.list', {})).workers).toEqual([])
    expect((await call('model.list', {})).models.some((m) => m.id === 'local-1')).toBe(false)
  }, 60_000)

  it('reports a model file llama.cpp cannot load as a clear error, not a crash loop', async () => {
    const { call, home } = await setup()
    const whole = tinyModelBuffer({ name: 'broken', seed: 3 })
    const file = path.join(home, 'broken.gguf')
    fs.writeFileSync(file, whole.subarray(0, whole.length - 4096)) // the header is intact, the weights are cut short
    await call('model.add', { path: file })
    await call('persona.create', { name: 'Broken', model: 'broken' })
    const e = await expectError(call('persona.chat', { name: 'Broken', prompt: 'hi' }))
    expect(e.code).toBe('INVALID_INPUT')
    expect(e.message).toMatch(/llama\.cpp could not load .*broken\.gguf/)
    expect(e.hint).toMatch(/complete GGUF/)
    await waitFor(async () => (await call('worker.list', {})).workers.length === 0, 'the worker to stop')
  }, 60_000)

  it('estimates memory for a context size and a GPU offload from the GGUF header', async () => {
    const { call, home } = await setup()
    await writeTinyModels(path.join(home, 'models'), 1)
    const cpu = await call('model.inspect', { id: 'tiny-1', contextSize: 1024 })
    expect(cpu.model.facts).toMatchObject({ architecture: 'llama', layers: 2, contextLength: 1024 })
    expect(cpu.estimate).toMatchObject({ vramBytes: 0, gpuLayers: 0, contextSize: 1024 })
    expect(cpu.estimate.ramBytes).toBeGreaterThan(cpu.model.size!)
    const gpu = await call('model.inspect', { id: 'tiny-1', contextSize: 1024, gpuLayers: 99 })
    expect(gpu.estimate.gpuLayers).toBe(3) // 2 blocks + the output layer
    expect(gpu.estimate.ramBytes).toBe(0)
    expect(gpu.estimate.vramBytes).toBe(cpu.estimate.ramBytes)
    const half = await call('model.inspect', { id: 'tiny-1', contextSize: 1024, gpuLayers: 1 })
    expect(half.estimate.vramBytes).toBeGreaterThan(0)
    expect(half.estimate.ramBytes).toBeGreaterThan(0)
    // More context than the model was trained on is capped at what it supports.
    expect((await call('model.inspect', { id: 'tiny-1', contextSize: 8192 })).estimate.contextSize).toBe(1024)
    const twoSeq = await call('model.inspect', { id: 'tiny-1', contextSize: 1024, sequences: 2 })
    expect(twoSeq.estimate.ramBytes).toBeGreaterThan(cpu.estimate.ramBytes)
  })

  it('refuses unknown settings and bad values with the setting’s meaning', async () => {
    const { call } = await setup()
    const unknown = await expectError(call('config.set', { key: 'maxVram', value: 10 }))
    expect(unknown.message).toMatch(/Unknown setting "maxVram"/)
    expect(unknown.hint).toMatch(/maxVRAM/)
    const bad = await expectError(call('config.set', { key: 'maxConcurrentWorkers', value: 'many' }))
    expect(bad.code).toBe('INVALID_INPUT')
    expect(bad.hint).toMatch(/Most worker processes/)
    expect((await call('config.set', { key: 'maxConcurrentWorkers', value: '3' })).value).toBe(3)
    expect((await call('config.get', { key: 'maxConcurrentWorkers' })).settings[0]).toMatchObject({ value: 3, default: 4, isDefault: false })
  })
})
