/**
 * Persona checkpoints through the host, with real worker processes on tiny models: a persona frozen
 * mid-conversation resumes, in the same host or in a new one on the same home (new worker
 * processes), and answers exactly what the never-stopped persona answered, evaluating only the new
 * turn; a state that is not the persona's model's, or not intact, never reaches a worker.
 */
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { inferenceHosts, writeTinyModels } from '../../../../test/inference'
import { expectError } from '../../../../test/fixtures'

const host = inferenceHosts()

async function setup() {
  const h = host()
  await writeTinyModels(path.join(h.home, 'models'), 2)
  await h.call('persona.create', { name: 'Ada', model: 'tiny-1', systemPrompt: 'You are terse.', settings: { temperature: 0, seed: 7, maxTokens: 12, contextSize: 1024 } })
  return h
}

const NEXT = 'And what comes after that?'

describe('persona checkpoints', () => {
  it('resumes a frozen persona in the same host and in a new host on the same home: the same next answer, with only the new turn evaluated', async () => {
    const h = await setup()
    for (let i = 0; i < 4; i++) await h.call('persona.chat', { name: 'Ada', prompt: `Tell me part ${i} of a long story about a lighthouse keeper.` })
    const frozen = await h.call('persona.checkpoint', { name: 'Ada', label: 'before the question' })
    expect(frozen).toMatchObject({ name: 'Ada', label: 'before the question', stateSaved: true, messages: 8, modelId: 'tiny-1', note: null })
    expect(frozen.tokens).toBeGreaterThan(100)

    // The never-stopped persona's next answer.
    const reference = await h.call('persona.chat', { name: 'Ada', prompt: NEXT })
    expect(reference.evaluatedTokens).toBeLessThan(reference.promptTokens / 4)

    // (a) The same host: the conversation goes back to the checkpoint, the state into another sequence.
    const resumed = await h.call('persona.resume', { name: 'Ada' })
    expect(resumed).toMatchObject({ name: 'Ada', messages: 8, stateLoaded: true, tokens: frozen.tokens })
    expect((await h.call('persona.history', { name: 'Ada' })).messages).toHaveLength(8)
    const again = await h.call('persona.chat', { name: 'Ada', prompt: NEXT })
    expect(again.text).toBe(reference.text)
    expect(again.promptTokens).toBe(reference.promptTokens)
    expect(again.evaluatedTokens).toBe(reference.evaluatedTokens)
    const pids = (await h.call('worker.list', {})).workers.map((w) => w.pid)
    await host.quit(h)

    // (b) A new host on the same home: new worker processes, the state from the file.
    const h2 = host(h.home)
    const back = await h2.call('persona.resume', { name: 'Ada', checkpoint: frozen.id })
    expect(back).toMatchObject({ stateLoaded: true, tokens: frozen.tokens, messages: 8 })
    expect((await h2.call('worker.list', {})).workers.map((w) => w.pid).some((p) => pids.includes(p))).toBe(false)
    const after = await h2.call('persona.chat', { name: 'Ada', prompt: NEXT })
    expect(after.text).toBe(reference.text)
    expect(after.evaluatedTokens).toBe(reference.evaluatedTokens)
    expect(after.evaluatedTokens).toBeLessThan(after.promptTokens / 4)

    // The contrast: the same conversation without its state is evaluated whole (what resuming saves).
    await h2.call('worker.unload', { model: 'tiny-1' })
    const conversationOnly = await h2.call('persona.checkpoint', { name: 'Ada' })
    expect(conversationOnly).toMatchObject({ stateSaved: false, tokens: null, messages: 10 })
    expect(conversationOnly.note).toMatch(/not loaded: only the conversation was saved/)
    const persona = h2.host.inference.personas.get('Ada')
    const manifest = JSON.parse(fs.readFileSync(path.join(h2.home, 'checkpoints', persona.id, frozen.id, 'manifest.json'), 'utf8'))
    h2.host.inference.personas.restore(persona.id, manifest.messages)
    await h2.call('persona.chat', { name: 'Ada', prompt: 'Load the model (a one-off).', stateless: true })
    const prefilled = await h2.call('persona.chat', { name: 'Ada', prompt: NEXT })
    expect(prefilled.text).toBe(reference.text)
    expect(prefilled.evaluatedTokens).toBe(prefilled.promptTokens)
    console.log(`resumed turn: ${after.evaluatedTokens} of ${after.promptTokens} tokens evaluated, ${after.durationMs} ms; re-prefilled: ${prefilled.evaluatedTokens} tokens, ${prefilled.durationMs} ms`)
  }, 180_000)

  it('refuses a checkpoint of another model, or with a damaged state, before any worker sees it; an earlier checkpoint still resumes', async () => {
    const h = await setup()
    for (let i = 0; i < 2; i++) await h.call('persona.chat', { name: 'Ada', prompt: `Question ${i}?` })
    const first = await h.call('persona.checkpoint', { name: 'Ada', label: 'first' })
    const oneMore = await h.call('persona.chat', { name: 'Ada', prompt: 'One more.' })
    const second = await h.call('persona.checkpoint', { name: 'Ada', label: 'second' })
    expect(second.messages).toBe(6)
    const persona = h.host.inference.personas.get('Ada')
    const dir = path.join(h.home, 'checkpoints', persona.id)

    // Another model: refused, naming both, and the conversation is left as it was.
    await h.call('persona.update', { name: 'Ada', model: 'tiny-2' })
    await h.call('persona.chat', { name: 'Ada', prompt: 'On the other model.' })
    const wrong = await expectError(h.call('persona.resume', { name: 'Ada' }))
    expect(wrong.code).toBe('CONFLICT')
    expect(wrong.message).toMatch(/made with tiny-1 .* but Ada's model is now tiny-2/)
    expect((await h.call('persona.history', { name: 'Ada' })).messages).toHaveLength(8)
    await h.call('persona.update', { name: 'Ada', model: 'tiny-1' })

    // A torn state file: refused by its sha256; the earlier checkpoint resumes exactly.
    const state = path.join(dir, second.id, 'state.bin')
    const bytes = fs.readFileSync(state)
    fs.writeFileSync(state, bytes.subarray(0, Math.floor(bytes.length / 2)))
    const torn = await expectError(h.call('persona.resume', { name: 'Ada', checkpoint: second.id }))
    expect(torn.code).toBe('CHECKSUM_MISMATCH')
    expect(torn.message).toMatch(/damaged: its state file does not match the sha256/)
    expect((await h.call('persona.history', { name: 'Ada' })).messages).toHaveLength(8)
    // A damaged manifest: that checkpoint is refused, and left out of the list.
    fs.writeFileSync(path.join(dir, second.id, 'manifest.json'), '{"version": 1, "id": ')
    expect((await expectError(h.call('persona.resume', { name: 'Ada', checkpoint: second.id }))).message).toMatch(/manifest is not readable/)
    expect((await h.call('persona.checkpoints', { name: 'Ada' })).checkpoints.map((c) => c.id)).toEqual([first.id])

    const resumed = await h.call('persona.resume', { name: 'Ada' })
    expect(resumed).toMatchObject({ checkpoint: { id: first.id }, stateLoaded: true, messages: 4 })
    const answer = await h.call('persona.chat', { name: 'Ada', prompt: 'One more.' })
    expect(answer.evaluatedTokens).toBeLessThan(answer.promptTokens / 4)
    // The same answer the persona gave at this point the first time.
    expect(answer.text).toBe(oneMore.text)
  }, 180_000)

  it('checks the state again at each resume once it was changed, even in place with its size kept (its hash is reused only for the same unchanged file)', async () => {
    const h = await setup()
    await h.call('persona.chat', { name: 'Ada', prompt: 'Question?' })
    const frozen = await h.call('persona.checkpoint', { name: 'Ada' })
    await new Promise((resolve) => setTimeout(resolve, 1100)) // older than a second: its hash is kept once checked
    expect(await h.call('persona.resume', { name: 'Ada' })).toMatchObject({ stateLoaded: true })
    expect(await h.call('persona.resume', { name: 'Ada' })).toMatchObject({ stateLoaded: true })
    const state = path.join(h.home, 'checkpoints', h.host.inference.personas.get('Ada').id, frozen.id, 'state.bin')
    const fd = fs.openSync(state, 'r+')
    const byte = Buffer.alloc(1)
    fs.readSync(fd, byte, 0, 1, 100)
    byte[0] ^= 0xff
    fs.writeSync(fd, byte, 0, 1, 100)
    fs.closeSync(fd)
    const refused = await expectError(h.call('persona.resume', { name: 'Ada' }))
    expect(refused.code).toBe('CHECKSUM_MISMATCH')
  }, 120_000)

  it('lists, labels, keeps at most maxCheckpointsPerPersona and removes checkpoints; a bad id is refused', async () => {
    const h = await setup()
    await h.call('config.set', { key: 'maxCheckpointsPerPersona', value: 2 })
    // A checkpoint asked for while a turn runs waits for it: the turn is in the conversation and the state.
    const running = h.host.inference.chat({ name: 'Ada', prompt: 'Hello.', priority: 'default', stateless: false }, {})
    const during = await h.call('persona.checkpoint', { name: 'Ada', label: 'during' })
    expect((await running).text.length).toBeGreaterThan(0)
    expect(during).toMatchObject({ messages: 2, stateSaved: true })
    const made = []
    for (const label of ['one', 'two', 'three']) made.push(await h.call('persona.checkpoint', { name: 'Ada', label }))
    const listed = (await h.call('persona.checkpoints', { name: 'Ada' })).checkpoints
    expect(listed.map((c) => c.label)).toEqual(['three', 'two'])
    expect(listed[0]).toMatchObject({ id: made[2].id, stateSaved: true, messages: 2, modelId: 'tiny-1' })
    expect(listed[0].bytes).toBeGreaterThan(1000)
    const persona = h.host.inference.personas.get('Ada')
    expect(fs.readdirSync(path.join(h.home, 'checkpoints', persona.id)).sort()).toEqual([made[1].id, made[2].id].sort())

    expect(await h.call('persona.checkpointRemove', { name: 'Ada', id: made[2].id })).toMatchObject({ removed: true })
    expect((await h.call('persona.checkpoints', { name: 'Ada' })).checkpoints.map((c) => c.id)).toEqual([made[1].id])
    expect((await expectError(h.call('persona.checkpointRemove', { name: 'Ada', id: made[2].id }))).code).toBe('NOT_FOUND')
    expect((await expectError(h.call('persona.resume', { name: 'Ada', checkpoint: '../../etc' }))).code).toBe('INVALID_INPUT')
    await h.call('persona.create', { name: 'Bob', model: 'tiny-1' })
    expect((await expectError(h.call('persona.resume', { name: 'Bob' }))).message).toMatch(/Bob has no checkpoint to resume from/)
    // A deleted persona's checkpoints go with it.
    await h.call('persona.delete', { name: 'Ada' })
    expect(fs.existsSync(path.join(h.home, 'checkpoints', persona.id))).toBe(false)
  }, 120_000)

  it('keeps conversations across a page-out: the persona that comes back gets its state, not its conversation evaluated again', async () => {
    const h = await setup()
    await h.call('persona.create', { name: 'Bea', model: 'tiny-1', systemPrompt: 'You are terse.', settings: { temperature: 0, seed: 7, maxTokens: 12, contextSize: 1024 } })
    for (let i = 0; i < 4; i++) for (const name of ['Ada', 'Bea']) await h.call('persona.chat', { name, prompt: `Tell me part ${i} of a long story about a lighthouse keeper.` })
    // Bea is never paged out before this answer: the reference for Ada's, after hers.
    const reference = await h.call('persona.chat', { name: 'Bea', prompt: NEXT })
    await h.call('worker.unload', { model: 'tiny-1' })
    const paged = path.join(h.home, 'checkpoints', '.paged')
    const states = () => fs.readdirSync(paged, { recursive: true }).filter((f) => String(f).endsWith('.bin')).length
    expect(states()).toBe(2)

    const back = await h.call('persona.chat', { name: 'Ada', prompt: NEXT })
    expect(back.loaded).toBe(true)
    expect(back.text).toBe(reference.text)
    expect(back.evaluatedTokens).toBe(reference.evaluatedTokens)
    expect(back.evaluatedTokens).toBeLessThan(back.promptTokens / 4)
    expect(states()).toBe(1) // Ada's was restored once, and removed; Bea's waits for her

    // Off: a worker loaded from now on neither restores nor keeps states; the conversation is evaluated again.
    await h.call('config.set', { key: 'checkpointOnPageOut', value: false })
    await h.call('worker.unload', { model: 'tiny-1' })
    const cold = await h.call('persona.chat', { name: 'Ada', prompt: 'One more.' })
    expect(cold.loaded).toBe(true)
    expect(cold.evaluatedTokens).toBe(cold.promptTokens)
    await h.call('worker.unload', { model: 'tiny-1' })
    expect(states()).toBe(2) // the worker loaded with it on saved Ada's and Bea's; this one saved none
    console.log(`after a page-out: restored ${back.evaluatedTokens} of ${back.promptTokens} tokens evaluated, ${back.durationMs} ms (load included); re-prefilled ${cold.evaluatedTokens} tokens, ${cold.durationMs} ms (load included)`)
    await host.quit(h)
    expect(fs.readdirSync(paged)).toEqual([])
  }, 180_000)

  it('exports a checkpoint to one file that another home imports and resumes exactly; a damaged export is refused', async () => {
    const h = await setup()
    for (let i = 0; i < 3; i++) await h.call('persona.chat', { name: 'Ada', prompt: `Question ${i} about lighthouses?` })
    const frozen = await h.call('persona.checkpoint', { name: 'Ada', label: 'to move' })
    const reference = await h.call('persona.chat', { name: 'Ada', prompt: NEXT })
    const file = path.join(h.home, 'ada.wckpt')
    const exported = await h.call('persona.checkpointExport', { name: 'Ada', file })
    expect(exported).toMatchObject({ id: frozen.id, file })
    expect(exported.bytes).toBeGreaterThan(frozen.bytes / 2)
    // An export never replaces a file already there (an earlier export, or anything else).
    const taken = path.join(h.home, 'notes.txt')
    fs.writeFileSync(taken, 'keep me')
    expect((await expectError(h.call('persona.checkpointExport', { name: 'Ada', file: taken }))).code).toBe('CONFLICT')
    expect(fs.readFileSync(taken, 'utf8')).toBe('keep me')

    // Another home, the same model file (generated alike), a persona with other settings.
    const other = host()
    await writeTinyModels(path.join(other.home, 'models'), 1)
    await other.call('persona.create', { name: 'Ada2', model: 'tiny-1' })
    const imported = await other.call('persona.checkpointImport', { name: 'Ada2', file })
    expect(imported).toMatchObject({ name: 'Ada2', id: frozen.id, label: 'to move', messages: 6, tokens: frozen.tokens, stateSaved: true })
    expect((await expectError(other.call('persona.checkpointImport', { name: 'Ada2', file }))).code).toBe('CONFLICT')
    expect(await other.call('persona.resume', { name: 'Ada2' })).toMatchObject({ stateLoaded: true, messages: 6 })
    const after = await other.call('persona.chat', { name: 'Ada2', prompt: NEXT })
    expect(after.text).toBe(reference.text)
    expect(after.evaluatedTokens).toBe(reference.evaluatedTokens)

    await other.call('persona.create', { name: 'Cy', model: 'tiny-1' })
    const bytes = fs.readFileSync(file)
    bytes[bytes.length - 1] ^= 0xff
    const damaged = path.join(other.home, 'damaged.wckpt')
    fs.writeFileSync(damaged, bytes)
    const refused = await expectError(other.call('persona.checkpointImport', { name: 'Cy', file: damaged }))
    expect(refused.code).toBe('CHECKSUM_MISMATCH')
    fs.writeFileSync(damaged, 'not a checkpoint\n{}\n')
    expect((await expectError(other.call('persona.checkpointImport', { name: 'Cy', file: damaged }))).message).toMatch(/is not a Warden checkpoint export: it does not start with the format/)
    // A named pipe is refused, not waited on forever.
    const fifo = path.join(other.home, 'pipe.wckpt')
    execFileSync('mkfifo', [fifo])
    expect((await expectError(other.call('persona.checkpointImport', { name: 'Cy', file: fifo }))).message).toMatch(/named pipe/)
    expect((await other.call('persona.checkpoints', { name: 'Cy' })).checkpoints).toEqual([])
  }, 180_000)
})
