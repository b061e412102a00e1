/**
 * Checkpoints of a persona answering with adapters (its genome), with real worker processes on a
 * tiny model and a tiny LoRA adapter: the state is saved from the context of the persona's adapter
 * set and loaded back into one with the same set, in a new host; a checkpoint whose adapter file
 * changed since is refused, naming the adapter.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { inferenceHosts, writeTinyModels } from '../../../../test/inference'
import { expectError, tempDir } from '../../../../test/fixtures'
import { writeTinyLora } from '../models/tinyGguf'

const host = inferenceHosts()

const NEXT = 'And what comes after that?'

describe('checkpoints of a persona with adapters', () => {
  it('resumes in a new host into a context with the same adapters: the same next answer, only the new turn evaluated; a changed adapter is refused by name', async () => {
    const h = host()
    await writeTinyModels(path.join(h.home, 'models'), 1)
    const files = tempDir('ckpt-lora-')
    const lora = await writeTinyLora(path.join(files, 'poet.gguf'))
    await h.call('adapter.add', { path: lora.path, name: 'poet', base: 'tiny-1' })
    await h.call('persona.create', { name: 'Ada', model: 'tiny-1', settings: { temperature: 0, seed: 7, maxTokens: 12, contextSize: 1024 } })
    await h.call('persona.update', { name: 'Ada', adapters: 'poet', scales: '0.8' })
    for (let i = 0; i < 3; i++) await h.call('persona.chat', { name: 'Ada', prompt: `Tell me part ${i} of a long story about a lighthouse keeper.` })
    const frozen = await h.call('persona.checkpoint', { name: 'Ada' })
    expect(frozen).toMatchObject({ stateSaved: true, messages: 6, note: null })
    const persona = h.host.inference.personas.get('Ada')
    const manifestPath = path.join(h.home, 'checkpoints', persona.id, frozen.id, 'manifest.json')
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'))
    expect(manifest.adapters).toEqual([{ name: 'poet', path: expect.stringContaining('poet.gguf'), sha256: lora.sha256, scale: 0.8 }])

    // The never-stopped persona's next answer; the adapters make it differ from the base model's.
    const reference = await h.call('persona.chat', { name: 'Ada', prompt: NEXT })
    expect(reference.genome?.adapters.map((a) => a.name)).toEqual(['poet'])
    expect(reference.evaluatedTokens).toBeLessThan(reference.promptTokens / 4)
    await host.quit(h)

    const h2 = host(h.home)
    const back = await h2.call('persona.resume', { name: 'Ada', checkpoint: frozen.id })
    expect(back).toMatchObject({ stateLoaded: true, tokens: frozen.tokens, messages: 6 })
    const after = await h2.call('persona.chat', { name: 'Ada', prompt: NEXT })
    expect(after.text).toBe(reference.text)
    expect(after.promptTokens).toBe(reference.promptTokens)
    // Had the state gone into the base context, the adapter context would evaluate the whole conversation.
    expect(after.evaluatedTokens).toBe(reference.evaluatedTokens)
    // The base model answers the same conversation otherwise (the adapters are in play).
    await h2.call('persona.resume', { name: 'Ada', checkpoint: frozen.id })
    await h2.call('persona.update', { name: 'Ada', genome: 'none' })
    expect((await h2.call('persona.chat', { name: 'Ada', prompt: NEXT })).text).not.toBe(reference.text)

    // The adapter's file replaced by another under the same name: refused, naming it, nothing changed.
    await h2.call('persona.update', { name: 'Ada', genome: 'fixed' })
    await h2.call('adapter.remove', { name: 'poet' })
    const other = await writeTinyLora(path.join(files, 'other.gguf'), { seed: 2 })
    await h2.call('adapter.add', { path: other.path, name: 'poet', base: 'tiny-1' })
    const before = (await h2.call('persona.history', { name: 'Ada' })).messages.length
    const changed = await expectError(h2.call('persona.resume', { name: 'Ada', checkpoint: frozen.id }))
    expect(changed.code).toBe('CONFLICT')
    expect(changed.message).toMatch(/made with the adapter poet \(sha256 [0-9a-f]{12}…\), but its file now has sha256/)
    expect((await h2.call('persona.history', { name: 'Ada' })).messages).toHaveLength(before)
    await h2.call('adapter.remove', { name: 'poet' })
    const gone = await expectError(h2.call('persona.resume', { name: 'Ada', checkpoint: frozen.id }))
    expect(gone.message).toMatch(/adapter poet, which is not there any more/)
  }, 180_000)
})
