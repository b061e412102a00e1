import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHost, writeTinyModels } from '../../../../test/inference'
import { tempDir } from '../../../../test/fixtures'
import { writeTinyLora } from '../models/tinyGguf'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('a persona’s genome through its worker', () => {
  it('a fixed genome changes the greedy answer; scale 0 and mode none give the base answer', async () => {
    const h = inferenceHost()
    cleanups.push(() => h.host.shutdown())
    await writeTinyModels(path.join(h.home, 'models'), 1)
    const lora = await writeTinyLora(path.join(tempDir('g-'), 'a.gguf'))
    await h.call('adapter.add', { path: lora.path, name: 'poet', base: 'tiny-1' })
    await h.call('persona.create', { name: 'Ada', model: 'tiny-1', settings: { temperature: 0, maxTokens: 12, seed: 1 } })
    const ask = async () => (await h.call('persona.chat', { name: 'Ada', prompt: 'Hello there', stateless: true })).text
    const base = await ask()
    await h.call('persona.update', { name: 'Ada', adapters: 'poet' })
    const withPoet = await ask()
    expect(withPoet).not.toBe(base)
    expect(await ask()).toBe(withPoet)
    await h.call('persona.update', { name: 'Ada', scales: '0' })
    expect(await ask()).toBe(base)
    await h.call('persona.update', { name: 'Ada', scales: '1' })
    expect(await ask()).toBe(withPoet)
    await h.call('persona.update', { name: 'Ada', genome: 'none' })
    expect(await ask()).toBe(base)
  }, 90_000)
})
