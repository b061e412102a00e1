/**
 * Crash recovery, with real worker processes on a tiny model: after its model's worker is killed
 * (SIGKILL), a persona's next turn loads its newest checkpoint's state instead of reading its whole
 * conversation again, and answers exactly what the never-crashed persona answers; a persona with no
 * checkpoint, or one whose checkpoint no longer fits, evaluates the conversation again (as before).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHosts, processAlive, waitFor, writeTinyModels, type InferenceTestHost } from '../../../../test/inference'
import { startProcessLog, stopProcessLog } from '../logging/processLog'
import type { Persona } from '../../../shared/contract/inference'
import { continuesFrom, CrashRecovery, sameAdapterSet, unusableBecause } from './crashRecovery'
import type { CheckpointManifest } from './PersonaCheckpoints'

const host = inferenceHosts()
afterEach(() => stopProcessLog())

const settings = { temperature: 0, seed: 7, maxTokens: 12, contextSize: 1024 }
const NEXT = 'And what comes after that?'

/** SIGKILL the model's worker process, as a crash would; resolves once it is gone. */
async function killWorker(h: InferenceTestHost, model: string): Promise<number> {
  const pid = (await h.call('worker.list', {})).workers.find((w) => w.modelId === model)?.pid
  if (!pid) throw new Error(`no worker for ${model}`)
  process.kill(pid, 'SIGKILL')
  await waitFor(() => !processAlive(pid), `worker ${pid} to exit`)
  await waitFor(async () => ((await h.call('worker.list', {})).workers.find((w) => w.modelId === model)?.crashes ?? 0) > 0 || null, 'the crash to be counted')
  return pid
}

describe('crash recovery', () => {
  it('after a SIGKILL of its worker, a persona resumes from its newest checkpoint: the never-crashed answer, with only the turns after the checkpoint evaluated', async () => {
    const h = host()
    startProcessLog({ home: h.home, kind: 'server' })
    await writeTinyModels(path.join(h.home, 'models'), 1)
    // Three personas alike: Ada has a checkpoint, Bea never crashes (the reference), Cy has no checkpoint.
    for (const name of ['Ada', 'Bea', 'Cy']) await h.call('persona.create', { name, model: 'tiny-1', systemPrompt: 'You are terse.', settings })
    // A sequence each: the never-crashed persona keeps its context between turns.
    await h.call('config.set', { key: 'parallelRequestsPerModel', value: 3 })
    const chatAll = async (prompt: string) => {
      const texts = []
      for (const name of ['Bea', 'Cy', 'Ada']) texts.push((await h.call('persona.chat', { name, prompt })).text)
      expect(new Set(texts).size).toBe(1)
    }
    for (let i = 0; i < 4; i++) await chatAll(`Tell me part ${i} of a long story about a lighthouse keeper.`)
    const frozen = await h.call('persona.checkpoint', { name: 'Ada', label: 'mid-story' })
    expect(frozen.stateSaved).toBe(true)
    // A turn after the checkpoint: the checkpoint's conversation is where the current one started.
    await chatAll('A turn after the checkpoint.')
    const reference = await h.call('persona.chat', { name: 'Bea', prompt: NEXT })
    expect(reference.evaluatedTokens).toBeLessThan(reference.promptTokens / 4)

    const killed = await killWorker(h, 'tiny-1')
    const recovered = await h.call('persona.chat', { name: 'Ada', prompt: NEXT })
    expect((await h.call('worker.list', {})).workers[0].pid).not.toBe(killed)
    expect(recovered.text).toBe(reference.text)
    expect(recovered.crashRecovery).toEqual({ checkpoint: frozen.id, label: 'mid-story', createdAt: frozen.createdAt, tokens: frozen.tokens })
    expect(recovered.promptTokens).toBe(reference.promptTokens)

    // Cy lost its context too and has no checkpoint: the whole conversation is evaluated again.
    const prefilled = await h.call('persona.chat', { name: 'Cy', prompt: NEXT })
    expect(prefilled.text).toBe(reference.text)
    expect(prefilled.crashRecovery).toBeUndefined()
    expect(prefilled.evaluatedTokens).toBe(prefilled.promptTokens)
    expect(recovered.evaluatedTokens).toBeLessThan(prefilled.evaluatedTokens / 2)
    console.log(`crash-recovery: ${recovered.evaluatedTokens} of ${recovered.promptTokens} tokens evaluated (checkpoint ${frozen.tokens} tokens); without a checkpoint ${prefilled.evaluatedTokens}; the never-crashed persona ${reference.evaluatedTokens}`)

    // The next turn goes on from the recovered state as usual (no second recovery).
    const after = await h.call('persona.chat', { name: 'Ada', prompt: 'One more.' })
    expect(after.crashRecovery).toBeUndefined()
    expect(after.evaluatedTokens).toBeLessThan(after.promptTokens / 4)

    const logFile = path.join(h.home, 'logs', 'server.log')
    await waitFor(() => fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes(`crash-recovery: Ada resumed from checkpoint ${frozen.id}`), 'the log entry')
    expect(fs.readFileSync(logFile, 'utf8')).toMatch(/Cy's context was lost with tiny-1's worker \(crashed\); no checkpoint to recover it from/)
  }, 240_000)

  it('does not load a checkpoint whose conversation is no longer where the current one started', async () => {
    const h = host()
    await writeTinyModels(path.join(h.home, 'models'), 1)
    await h.call('persona.create', { name: 'Ada', model: 'tiny-1', settings })
    for (let i = 0; i < 2; i++) await h.call('persona.chat', { name: 'Ada', prompt: `Question ${i}?` })
    await h.call('persona.checkpoint', { name: 'Ada' })
    // The conversation is cleared and starts again: the checkpoint's state is of another conversation.
    await h.call('persona.clear', { name: 'Ada' })
    for (let i = 0; i < 2; i++) await h.call('persona.chat', { name: 'Ada', prompt: `Another question ${i}?` })
    await killWorker(h, 'tiny-1')
    const next = await h.call('persona.chat', { name: 'Ada', prompt: NEXT })
    expect(next.crashRecovery).toBeUndefined()
    expect(next.evaluatedTokens).toBe(next.promptTokens)
    expect((await h.call('persona.history', { name: 'Ada' })).messages).toHaveLength(6)
  }, 180_000)

  it('matches conversations by place and text, and adapter sets by file and scale', () => {
    const m = (seq: number, text: string) => ({ seq, role: 'user' as const, text, at: 0 })
    expect(continuesFrom([m(1, 'a'), m(2, 'b')], [m(1, 'a'), m(2, 'b'), m(3, 'c')])).toBe(true)
    expect(continuesFrom([m(1, 'a'), m(2, 'b')], [m(1, 'a'), m(2, 'B')])).toBe(false)
    expect(continuesFrom([m(1, 'a')], [m(2, 'a')])).toBe(false)
    expect(continuesFrom([m(1, 'a'), m(2, 'b')], [m(1, 'a')])).toBe(false)
    const a = { path: '/a.gguf', scale: 1, sha256: 'aa' }
    const b = { path: '/b.gguf', scale: 0.5, sha256: 'bb' }
    expect(sameAdapterSet([a, b], [a, b])).toBe(true)
    expect(sameAdapterSet([a, b], [b, a])).toBe(false)
    expect(sameAdapterSet([a], [{ ...a, scale: 0.5 }])).toBe(false)
    expect(sameAdapterSet([], [])).toBe(true)
  })

  it('says why a checkpoint cannot stand for a lost context, and tries once per crash of the worker that held the conversation', async () => {
    const messages = [{ seq: 1, role: 'user' as const, text: 'a', at: 0 }]
    const poet = { path: '/poet.gguf', scale: 1, sha256: 'aa' }
    const persona = { id: 'p1', name: 'Ada', systemPrompt: 'terse' } as Persona
    const state = { file: 'state.bin' as const, sha256: 'ss', bytes: 1, tokens: 10, windowStart: 0 }
    const manifest = { id: 'c1', label: null, createdAt: 5, systemPrompt: 'terse', messages, state, adapters: [{ name: 'poet', ...poet }] } as unknown as CheckpointManifest
    expect(unusableBecause(manifest, persona, messages, [poet])).toBeNull()
    expect(unusableBecause({ ...manifest, state: null }, persona, messages, [poet])).toMatch(/conversation only/)
    expect(unusableBecause(manifest, { ...persona, systemPrompt: 'chatty' }, messages, [poet])).toMatch(/system prompt changed/)
    expect(unusableBecause(manifest, persona, [], [poet])).toMatch(/conversation changed/)
    expect(unusableBecause(manifest, persona, messages, [])).toMatch(/other adapters/)

    let crashes = 0
    const loads: string[] = []
    const recovery = new CrashRecovery({
      crashes: () => crashes,
      conversation: () => messages,
      checkpoints: {
        newest: async () => manifest,
        verifiedState: async () => ({ resolved: { id: 'm', name: 'm', path: '/m.gguf', install: null }, adapters: [poet], statePath: '/s', windowStart: 0 }),
        loadVerified: async (_p, _v, key) => {
          loads.push(key)
          return { tokens: 10, windowStart: 0, fileBytes: 1 }
        },
      },
    })
    expect(await recovery.beforeTurn(persona, 'k1', [poet])).toBeNull() // never served here
    recovery.noteServed('p1', 'k1', 'm')
    expect(await recovery.beforeTurn(persona, 'k1', [poet])).toBeNull() // no crash since
    crashes = 1
    expect(await recovery.beforeTurn(persona, 'k2', [poet])).toBeNull() // another conversation (cleared since)
    expect(await recovery.beforeTurn(persona, 'k1', [poet])).toEqual({ checkpoint: 'c1', label: null, createdAt: 5, tokens: 10 })
    expect(await recovery.beforeTurn(persona, 'k1', [poet])).toBeNull() // once per crash
    expect(loads).toEqual(['k1'])
  })
})
