/**
 * Persona and worker patches on real worker processes with tiny models: a checkpoint restored (and
 * undone by the one taken just before), pin and unpin, and a recycle that checkpoints first.
 */
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { applyContextOf, storedPatch } from '../../../../test/healing'
import { inferenceHosts, writeTinyModels } from '../../../../test/inference'
import { PatchApplier } from './applyPatch'
import { describeChange } from './describeChange'

const host = inferenceHosts()
const person = { by: 'person' as const }

async function setup() {
  const h = host()
  await writeTinyModels(path.join(h.home, 'models'), 1)
  await h.call('persona.create', { name: 'Ada', model: 'tiny-1', systemPrompt: 'You are terse.', settings: { temperature: 0, seed: 7, maxTokens: 8, contextSize: 512 } })
  const ctx = applyContextOf(h.host)
  return { ...h, ctx, applier: new PatchApplier(ctx) }
}

describe('persona and worker patches', () => {
  it('restore a checkpoint, and roll back to the persona as it was just before', async () => {
    const { call, ctx, applier } = await setup()
    await call('persona.chat', { name: 'Ada', prompt: 'One.' })
    const early = await call('persona.checkpoint', { name: 'Ada', label: 'early' })
    await call('persona.chat', { name: 'Ada', prompt: 'Two.' })
    await call('persona.update', { name: 'Ada', settings: { temperature: 1.1 } })

    const change = { kind: 'persona' as const, persona: 'Ada', checkpoint: early.id }
    expect(describeChange(change)).toContain(`+conversation, system prompt and settings: as in checkpoint ${early.id}`)
    const applied = await applier.apply(storedPatch(ctx.store, change), person)
    expect((await call('persona.history', { name: 'Ada' })).messages).toHaveLength(2)
    expect((await call('persona.list', {})).personas.find((p) => p.name === 'Ada')!.settings.temperature).toBe(0)
    const taken = (await call('persona.checkpoints', { name: 'Ada' })).checkpoints.map((c) => c.label)
    expect(taken).toContain(`before healing ${applied.id}`)

    await applier.rollback(applied, person)
    expect((await call('persona.history', { name: 'Ada' })).messages).toHaveLength(4)
    expect((await call('persona.list', {})).personas.find((p) => p.name === 'Ada')!.settings.temperature).toBe(1.1)
  })

  it('pin a model’s worker and unpin it on rollback; recycle checkpoints its personas before restarting it', async () => {
    const { call, ctx, applier } = await setup()
    await call('persona.chat', { name: 'Ada', prompt: 'Hello.' })
    const worker = async () => (await call('worker.list', {})).workers.find((w) => w.modelId === 'tiny-1')!
    expect((await worker()).pinned).toBe(false)
    const pinned = await applier.apply(storedPatch(ctx.store, { kind: 'worker-action', model: 'tiny-1', action: 'pin' }), person)
    expect((await worker()).pinned).toBe(true)
    await applier.rollback(pinned, person)
    expect((await worker()).pinned).toBe(false)

    const pid = (await worker()).pid
    const recycled = await applier.apply(storedPatch(ctx.store, { kind: 'worker-action', model: 'tiny-1', action: 'recycle' }), person)
    expect((await worker()).pid).not.toBe(pid)
    const checkpoints = (await call('persona.checkpoints', { name: 'Ada' })).checkpoints
    expect(checkpoints[0]).toMatchObject({ label: `before healing ${recycled.id}`, messages: 2 })
  })

  it('after a crash in the middle of a checkpoint restore, start-up resumes the checkpoint taken just before', async () => {
    const { call, ctx, applier } = await setup()
    const early = await call('persona.checkpoint', { name: 'Ada', label: 'early' })
    await call('persona.update', { name: 'Ada', settings: { temperature: 1.3 } })
    const patch = storedPatch(ctx.store, { kind: 'persona', persona: 'Ada', checkpoint: early.id })
    // The state a SIGKILL leaves after the checkpoint "before" was taken and the restore began.
    const before = await call('persona.checkpoint', { name: 'Ada', label: `before healing ${patch.id}` })
    await ctx.journal.write({ patchId: patch.id, op: 'apply', pid: 2147483646, startedAt: 1, checkpointBefore: before.id })
    await call('persona.resume', { name: 'Ada', checkpoint: early.id })
    expect((await call('persona.list', {})).personas[0].settings.temperature).toBe(0)

    expect((await applier.recover()).join('\n')).toContain(`undid the interrupted apply of ${patch.id}`)
    expect((await call('persona.list', {})).personas[0].settings.temperature).toBe(1.3)
    expect(ctx.store.require(patch.id).status).toBe('proposed')
  })
})
