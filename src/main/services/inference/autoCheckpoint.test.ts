/**
 * Automatic checkpoints (setting autoCheckpoint): when the server quits, each persona that chatted
 * since its last checkpoint is checkpointed, with its context's state, and resumes in a new server
 * evaluating only its new turn; with the setting off, quitting makes none.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { inferenceHosts, writeTinyModels, type InferenceTestHost } from '../../../../test/inference'

const host = inferenceHosts()

const quit = host.quit

function manifests(h: InferenceTestHost, name: string): Array<{ label: string | null; state: unknown }> {
  const dir = path.join(h.home, 'checkpoints', h.host.inference.personas.get(name).id)
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir).map((id) => JSON.parse(fs.readFileSync(path.join(dir, id, 'manifest.json'), 'utf8')))
}

describe('automatic checkpoints', () => {
  it('checkpoints the personas that chatted since their last checkpoint when the server quits, and none with the setting off', async () => {
    const h = host()
    await writeTinyModels(path.join(h.home, 'models'), 1)
    const settings = { temperature: 0, seed: 7, maxTokens: 12, contextSize: 1024 }
    for (const name of ['Ada', 'Bob', 'Cy']) await h.call('persona.create', { name, model: 'tiny-1', settings })
    await h.call('config.set', { key: 'autoCheckpoint', value: true })
    for (let i = 0; i < 3; i++) await h.call('persona.chat', { name: 'Ada', prompt: `Tell me part ${i} of a long story about a lighthouse keeper.` })
    // Bob chatted and was checkpointed since: nothing new to save. Cy never chatted.
    await h.call('persona.chat', { name: 'Bob', prompt: 'Hello.' })
    await h.call('persona.checkpoint', { name: 'Bob', label: 'by hand' })
    await quit(h)

    const h2 = host(h.home)
    expect(manifests(h2, 'Ada')).toEqual([expect.objectContaining({ label: 'auto', state: expect.objectContaining({ tokens: expect.any(Number) }) })])
    expect(manifests(h2, 'Bob').map((m) => m.label)).toEqual(['by hand'])
    expect(manifests(h2, 'Cy')).toEqual([])
    const back = await h2.call('persona.resume', { name: 'Ada' })
    expect(back).toMatchObject({ stateLoaded: true, messages: 6 })
    const next = await h2.call('persona.chat', { name: 'Ada', prompt: 'And then?' })
    expect(next.evaluatedTokens).toBeLessThan(next.promptTokens / 4)

    // Off: quitting after a chat makes no checkpoint.
    await h2.call('config.set', { key: 'autoCheckpoint', value: false })
    await h2.call('persona.chat', { name: 'Cy', prompt: 'Hello.' })
    await quit(h2)
    const h3 = host(h.home)
    expect(manifests(h3, 'Cy')).toEqual([])
    expect(manifests(h3, 'Ada')).toHaveLength(1)
  }, 180_000)
})
