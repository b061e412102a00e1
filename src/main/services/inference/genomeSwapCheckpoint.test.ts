/**
 * The checkpoint made before a genome swap (autoCheckpoint), with real worker processes on a tiny
 * model and tiny LoRA adapters: when a persona's next turn answers with other adapters, the state
 * evaluated with the old ones is checkpointed first ("before genome swap"), and resumes exactly;
 * no checkpoint when the adapters stay the same or the setting is off.
 */
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { inferenceHosts, writeTinyModels } from '../../../../test/inference'
import { tempDir } from '../../../../test/fixtures'
import { writeTinyLora } from '../models/tinyGguf'

const host = inferenceHosts()
const settings = { temperature: 0, seed: 7, maxTokens: 12, contextSize: 1024 }
const NEXT = 'And what comes after that?'

describe('checkpoint before a genome swap', () => {
  it('checkpoints the state made with the old adapters before a turn with new ones; it resumes exactly; none without a swap or with autoCheckpoint off', async () => {
    const h = host()
    await writeTinyModels(path.join(h.home, 'models'), 1)
    const files = tempDir('swap-lora-')
    for (const [name, seed] of [['poet', 1], ['coder', 2]] as const) {
      const lora = await writeTinyLora(path.join(files, `${name}.gguf`), { seed })
      await h.call('adapter.add', { path: lora.path, name, base: 'tiny-1' })
    }
    // Bea keeps the poet: the reference for Ada's answer had she not swapped.
    for (const name of ['Ada', 'Bea']) {
      await h.call('persona.create', { name, model: 'tiny-1', settings })
      await h.call('persona.update', { name, adapters: 'poet' })
    }
    await h.call('config.set', { key: 'autoCheckpoint', value: true })
    for (let i = 0; i < 2; i++) for (const name of ['Bea', 'Ada']) await h.call('persona.chat', { name, prompt: `Tell me part ${i} of a story.` })
    // The same genome again: nothing to save.
    await h.call('persona.chat', { name: 'Ada', prompt: 'Go on.' })
    await h.call('persona.chat', { name: 'Bea', prompt: 'Go on.' })
    expect((await h.call('persona.checkpoints', { name: 'Ada' })).checkpoints).toEqual([])
    const reference = await h.call('persona.chat', { name: 'Bea', prompt: NEXT })

    await h.call('persona.update', { name: 'Ada', adapters: 'coder' })
    const swapped = await h.call('persona.chat', { name: 'Ada', prompt: NEXT })
    expect(swapped.genome?.adapters.map((a) => a.name)).toEqual(['coder'])
    const [made] = (await h.call('persona.checkpoints', { name: 'Ada' })).checkpoints
    expect(made).toMatchObject({ label: 'before genome swap', stateSaved: true, messages: 6 })

    // Back from that checkpoint: it keeps the genome the state was made with (the persona's had
    // become the coder), and the answer is the one Bea (who never swapped) gave, its state reused.
    expect(await h.call('persona.resume', { name: 'Ada', checkpoint: made.id })).toMatchObject({ stateLoaded: true, messages: 6 })
    expect((await h.call('persona.list', {})).personas.find((p) => p.name === 'Ada')?.settings.genome).toEqual({ mode: 'fixed', adapters: [{ name: 'poet', scale: 1 }] })
    const back = await h.call('persona.chat', { name: 'Ada', prompt: NEXT })
    expect(back.text).toBe(reference.text)
    expect(back.evaluatedTokens).toBeLessThan(back.promptTokens / 4)
    // The turn after the resume used the state's own adapters: no swap, no checkpoint.
    expect((await h.call('persona.checkpoints', { name: 'Ada' })).checkpoints).toHaveLength(1)

    // Off: a swap makes no checkpoint.
    await h.call('config.set', { key: 'autoCheckpoint', value: false })
    await h.call('persona.update', { name: 'Ada', adapters: 'coder' })
    await h.call('persona.chat', { name: 'Ada', prompt: 'Now as a coder.' })
    expect((await h.call('persona.checkpoints', { name: 'Ada' })).checkpoints).toHaveLength(1)
  }, 240_000)
})
