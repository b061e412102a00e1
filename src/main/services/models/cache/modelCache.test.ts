import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../../test/fixtures'
import { inferenceHost, serveFiles, writeTinyModels } from '../../../../../test/inference'
import type { EventPayload } from '../../../../shared/contract/events'
import { tinyModelBuffer } from '../tinyGguf'

// maxModelCacheSize with real downloads (a local HTTP server), real files, real SQLite and real
// worker processes (loading a model is a use; a loaded or pinned model must stay).

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

/** Three downloadable models of ~1.5 MiB each (distinct weights). */
async function setup() {
  const h = inferenceHost()
  const files = Object.fromEntries(['alpha', 'bravo', 'charlie', 'delta'].map((name, i) => [`/m/${name}.gguf`, tinyModelBuffer({ name, seed: 40 + i, padBytes: 1024 * 1024 })]))
  const server = await serveFiles(files)
  cleanups.push(() => h.host.shutdown(), () => server.close())
  const url = (name: string) => `${server.base}/m/${name}.gguf`
  const modelsDir = path.join(h.home, 'models')
  const alerts = () => h.events.flatMap((e) => (e.event === 'alert' ? [e.payload as EventPayload<'alert'>] : []))
  return { ...h, url, modelsDir, alerts }
}

describe('maxModelCacheSize', () => {
  it('an install beyond the limit removes the least recently used download; the result, an alert and model.list say what and why', async () => {
    const { call, url, modelsDir, alerts } = await setup()
    await call('config.set', { key: 'maxModelCacheSize', value: 4 }) // MB: two of the three fit
    const alpha = await call('model.install', { uri: url('alpha') })
    const bravo = await call('model.install', { uri: url('bravo') })
    expect(alpha.evicted).toEqual([])
    expect(bravo.evicted).toEqual([])
    // alpha is used after bravo was installed: bravo is now the least recently used.
    await call('worker.load', { model: 'alpha' })
    await call('worker.unload', { model: 'alpha' })

    const charlie = await call('model.install', { uri: url('charlie') })
    expect(charlie.evicted.map((m) => m.id)).toEqual(['bravo'])
    expect(charlie.evicted[0]).toMatchObject({ path: path.join(modelsDir, 'bravo.gguf'), size: bravo.size })
    expect(charlie.evicted[0].reason).toMatch(/least recently used \(last used .*\).*maxModelCacheSize/)
    expect(charlie.cacheOverLimit).toBeNull()
    expect(fs.readdirSync(modelsDir).filter((f) => f.endsWith('.gguf')).sort()).toEqual(['alpha.gguf', 'charlie.gguf'])

    const alert = alerts().find((a) => a.title.startsWith('Removed 1 model'))!
    expect(alert).toMatchObject({ level: 'info' })
    expect(alert.message).toContain('bravo')

    const listed = await call('model.list', {})
    expect(listed.models.some((m) => m.id === 'bravo' && m.installed)).toBe(false)
    expect(listed.cache).toMatchObject({ limitBytes: 4 * 1024 * 1024, usedBytes: alpha.size! + charlie.size!, overLimit: null })
    expect(listed.cache.lastEviction).toMatchObject({ trigger: 'install', evicted: [{ id: 'bravo' }] })

    // Removed, not lost: a persona that needs it downloads it again.
    await call('persona.create', { name: 'B', model: url('bravo'), settings: { maxTokens: 2 } })
    expect(await call('persona.chat', { name: 'B', prompt: 'hi' })).toMatchObject({ installed: true })
  }, 90_000)

  it('lowering the setting removes idle downloads at once, never a pinned, loaded or added model, and says what keeps it over', async () => {
    const { call, url, modelsDir, alerts } = await setup()
    for (const name of ['alpha', 'bravo', 'charlie']) await call('model.install', { uri: url(name) })
    // Files the person brought: one added from elsewhere, one dropped into the models folder by hand.
    const [added] = await writeTinyModels(tempDir('warden-own-'), 1, 'own')
    await call('model.add', { path: added })
    const [loose] = await writeTinyModels(modelsDir, 1, 'loose')
    await call('worker.load', { model: 'alpha' })
    await call('worker.pin', { model: 'alpha' })
    await call('worker.load', { model: 'bravo' })

    await call('config.set', { key: 'maxModelCacheSize', value: 1 })
    expect(fs.existsSync(path.join(modelsDir, 'charlie.gguf'))).toBe(false)
    for (const kept of ['alpha.gguf', 'bravo.gguf']) expect(fs.existsSync(path.join(modelsDir, kept))).toBe(true)
    expect(fs.existsSync(added) && fs.existsSync(loose)).toBe(true)

    const alert = alerts().find((a) => a.title === 'Models over the cache limit')!
    expect(alert.level).toBe('warning')
    expect(alert.message).toMatch(/Removed charlie .*alpha is pinned, bravo is loaded, so they stay/)
    const { cache } = await call('model.list', {})
    expect(cache.lastEviction).toMatchObject({ trigger: 'setting', evicted: [{ id: 'charlie' }] })
    expect(cache.overLimit!.kept.map((k) => [k.id, k.reason]).sort()).toEqual([
      ['alpha', 'pinned'],
      ['bravo', 'loaded'],
    ])
    // The added files do not count: only Warden's downloads are in the cache.
    expect(cache.usedBytes).toBe(fs.statSync(path.join(modelsDir, 'alpha.gguf')).size + fs.statSync(path.join(modelsDir, 'bravo.gguf')).size)

    // Once bravo is unloaded, the next enforcement (raising the limit a little) removes it; alpha stays pinned.
    await call('worker.unload', { model: 'bravo' })
    await call('config.set', { key: 'maxModelCacheSize', value: 2 })
    expect(fs.existsSync(path.join(modelsDir, 'bravo.gguf'))).toBe(false)
    expect(fs.existsSync(path.join(modelsDir, 'alpha.gguf'))).toBe(true)
    expect((await call('model.list', {})).cache.overLimit).toBeNull()
  }, 90_000)

  it('a model downloaded for a chat is kept while it answers, even when it alone is over the limit', async () => {
    const { call, url, modelsDir, alerts } = await setup()
    await call('model.install', { uri: url('alpha') })
    await call('config.set', { key: 'maxModelCacheSize', value: 1 })
    expect(fs.existsSync(path.join(modelsDir, 'alpha.gguf'))).toBe(false) // lowering removed it: idle and over
    await call('persona.create', { name: 'D', model: url('delta'), settings: { maxTokens: 4 } })
    const answer = await call('persona.chat', { name: 'D', prompt: 'hi' })
    expect(answer).toMatchObject({ installed: true, modelId: 'delta' })
    expect(fs.existsSync(path.join(modelsDir, 'delta.gguf'))).toBe(true)
    expect(alerts().at(-1)!.message).toMatch(/delta is in use, so it stays/)
  }, 90_000)
})
