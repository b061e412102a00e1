import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHost, writeTinyModels } from '../../../../test/inference'
import { tempDir } from '../../../../test/fixtures'
import { writeTinyLora, writeTinyModel } from '../models/tinyGguf'
import { descriptionText } from './AdapterStore'
import { genomeDeps, resolvePersonaGenome } from './personaGenome'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('a persona’s genome', () => {
  it('is set with persona edit (adapters checked to exist and fit), resolved to adapter files for each chat, and reported with the answer', async () => {
    const h = inferenceHost()
    cleanups.push(() => h.host.shutdown())
    await writeTinyModels(path.join(h.home, 'models'), 1)
    await writeTinyModel(path.join(h.home, 'models', 'wide.gguf'), { name: 'wide', embd: 128 })
    const src = tempDir('warden-genome-src-')
    const lora = await writeTinyLora(path.join(src, 'a.gguf'))
    const wideLora = await writeTinyLora(path.join(src, 'w.gguf'), { base: { embd: 128 } })
    const poet = { name: 'poet', description: 'Writes rhyming poems about the sea', tags: ['poetry'] }
    const coder = { name: 'coder', description: 'Answers questions about TypeScript compilers', tags: ['code'] }
    for (const a of [poet, coder]) await h.call('adapter.add', { path: lora.path, base: 'tiny-1', ...a })
    await h.call('adapter.add', { path: lora.path, name: 'loose', description: 'No base given' })
    await h.call('adapter.add', { path: wideLora.path, name: 'widey', description: 'For the wide model', base: 'wide' })
    await h.call('persona.create', { name: 'Ada', model: 'tiny-1' })

    // Refused before any worker sees them: a missing adapter, one that does not fit, scales that do not match.
    await expect(h.call('persona.update', { name: 'Ada', adapters: 'nothere' })).rejects.toThrow(/Ada's genome names the adapter nothere, which is not there/)
    await expect(h.call('persona.update', { name: 'Ada', adapters: 'widey' })).rejects.toThrow(/The adapter widey does not fit the model tiny-1: tensor blk\.0\.attn_q\.weight/)
    await expect(h.call('persona.update', { name: 'Ada', adapters: 'poet,coder', scales: '1' })).rejects.toThrow(/one scale per adapter: 2 adapters .* but 1 scales/)
    await expect(h.call('persona.update', { name: 'Ada', adapters: 'poet', scales: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' })

    // An adapter added without --base is checked against the persona's model file, and fits.
    const edited = await h.call('persona.update', { name: 'Ada', adapters: 'poet, loose', scales: '0.5,1' })
    expect(edited.settings.genome).toEqual({ mode: 'fixed', adapters: [{ name: 'poet', scale: 0.5 }, { name: 'loose', scale: 1 }] })

    const services = { home: h.home, inference: h.host.inference }
    const ada = () => h.host.inference.personas.get('Ada')
    const fixed = await resolvePersonaGenome(genomeDeps(services), ada(), 'hello')
    expect(fixed?.adapters).toEqual([
      { path: path.join(h.home, 'adapters', 'poet.gguf'), scale: 0.5, sha256: lora.sha256 },
      { path: path.join(h.home, 'adapters', 'loose.gguf'), scale: 1, sha256: lora.sha256 },
    ])
    const chat = await h.call('persona.chat', { name: 'Ada', prompt: 'hello', stateless: true })
    expect(chat.genome).toEqual({ mode: 'fixed', embeddingModel: null, adapters: [{ name: 'poet', scale: 0.5, score: null, pinned: true }, { name: 'loose', scale: 1, score: null, pinned: true }] })

    // Auto: the pinned adapter, plus those of its model whose description is close enough to the prompt.
    await h.call('persona.update', { name: 'Ada', genome: 'auto', adapters: 'poet' })
    const auto = await resolvePersonaGenome(genomeDeps(services), ada(), descriptionText(coder))
    expect(auto?.genome.adapters.map((a) => a.name)).toEqual(['poet']) // enableGenomicSwapping is off by default
    await h.call('config.set', { key: 'enableGenomicSwapping', value: true })
    await expect(resolvePersonaGenome(genomeDeps(services), ada(), 'x')).rejects.toThrow(/no embedding model is set/)
    await h.call('config.set', { key: 'embeddingModel', value: 'tiny-1' })
    await h.call('config.set', { key: 'loraSelectionThreshold', value: 0.999999 })
    const chosen = await resolvePersonaGenome(genomeDeps(services), ada(), descriptionText(coder))
    expect(chosen?.genome.embeddingModel).toBe('tiny-1')
    expect(chosen?.genome.adapters.map((a) => [a.name, a.pinned])).toEqual([
      ['poet', true],
      ['coder', false],
    ])
    expect(chosen?.genome.adapters[1].score).toBeCloseTo(1, 5)
    expect(chosen?.adapters[1]).toEqual({ path: path.join(h.home, 'adapters', 'coder.gguf'), scale: 1, sha256: lora.sha256 })
    const answered = await h.call('persona.chat', { name: 'Ada', prompt: descriptionText(coder), stateless: true })
    expect(answered.genome?.adapters.map((a) => a.name)).toEqual(['poet', 'coder'])

    // A removed adapter: the chat is refused with its name, not run without it.
    await h.call('adapter.remove', { name: 'poet' })
    await expect(h.call('persona.chat', { name: 'Ada', prompt: 'hi', stateless: true })).rejects.toThrow(/names the adapter poet, which is not there/)
    await h.call('persona.update', { name: 'Ada', genome: 'none' })
    expect((await h.call('persona.chat', { name: 'Ada', prompt: 'hi', stateless: true })).genome).toBeUndefined()
  }, 90_000)
})
