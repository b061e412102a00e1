/**
 * Long conversations with a persona, through the host and a real worker on a tiny model: they keep
 * working past the context and say what was left out, the stored history keeps to the retention
 * settings, and clearing a conversation gives its space back.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHost, writeTinyModels } from '../../../../test/inference'

const hosts: Array<ReturnType<typeof inferenceHost>> = []
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.host.shutdown()
})

async function setup(settings: Record<string, string | number> = {}) {
  const h = inferenceHost()
  hosts.push(h)
  await writeTinyModels(path.join(h.home, 'models'), 1)
  for (const [key, value] of Object.entries(settings)) await h.call('config.set', { key, value })
  await h.call('persona.create', { name: 'Ada', model: 'tiny-1', systemPrompt: 'You are terse.', settings: { temperature: 0, maxTokens: 8, contextSize: 512 } })
  return h
}

const DAY = 86_400_000

describe('conversations', () => {
  it('keeps answering a 60-turn chat on a small context (512 tokens), evaluating only each new turn, and says when earlier messages were left out', async () => {
    const h = await setup()
    const results = []
    for (let i = 0; i < 60; i++) results.push(await h.call('persona.chat', { name: 'Ada', prompt: `Turn ${i}: go on.` }))
    expect(results.every((r) => r.tokens > 0 && r.promptTokens <= 512)).toBe(true)
    expect((await h.call('persona.history', { name: 'Ada' })).messages).toHaveLength(120)
    const first = results.findIndex((r) => r.leftOutMessages > 0)
    expect(first).toBeGreaterThan(0)
    const last = results.at(-1)!
    expect(last.leftOutMessages).toBeGreaterThan(60)
    expect(results[0].leftOutMessages).toBe(0)
    // Each answer counts what its window left out: all that came before the window's start.
    for (let i = 1; i < results.length; i++) expect(results[i].leftOutMessages).toBeGreaterThanOrEqual(results[i - 1].leftOutMessages)
    // Most turns found the conversation in the worker's cache: a few steps, not the whole window each turn.
    const warm = results.filter((r) => r.evaluatedTokens < r.promptTokens / 2)
    expect(warm.length).toBeGreaterThan(40)
  }, 120_000)

  it('keeps its cache while OpenAI-style requests and stateless chats use the same persona', async () => {
    const h = await setup()
    for (let i = 0; i < 3; i++) await h.call('persona.chat', { name: 'Ada', prompt: `Question ${i}?` })
    const persona = h.host.inference.personas.get('Ada')
    // Two sequences (parallelRequestsPerModel): a one-off leaves its sequence first in line, and a
    // conversation the OpenAI endpoint sends whole takes that one, not the stored conversation's.
    await h.call('persona.chat', { name: 'Ada', prompt: 'Something unrelated.', stateless: true })
    await h.host.inference.generate({ persona, history: [{ role: 'user', text: 'Elsewhere.' }, { role: 'assistant', text: 'Yes.' }], prompt: 'Again?', overflow: 'refuse', priority: 'default' })
    const back = await h.call('persona.chat', { name: 'Ada', prompt: 'Back to our chat?' })
    expect(back.promptTokens - back.evaluatedTokens).toBeGreaterThan(60)
    expect(back.evaluatedTokens).toBeLessThan(40)
  }, 120_000)

  it('keeps at most conversationMaxMessages, the newest, and none older than conversationMaxDays, from the next turn or when the setting changes', async () => {
    const h = await setup({ conversationMaxMessages: 6 })
    for (let i = 0; i < 5; i++) await h.call('persona.chat', { name: 'Ada', prompt: `Turn ${i}` })
    const kept = (await h.call('persona.history', { name: 'Ada' })).messages
    expect(kept.map((m) => m.text).filter((_, i) => i % 2 === 0)).toEqual(['Turn 2', 'Turn 3', 'Turn 4'])
    expect((await h.call('persona.list', {})).personas[0].messages).toBe(6)

    await h.call('config.set', { key: 'conversationMaxMessages', value: 0 })
    await h.call('config.set', { key: 'conversationMaxDays', value: 2 })
    const persona = h.host.inference.personas.get('Ada')
    h.host.inference.personas.append(persona.id, [
      { role: 'user', text: 'from last week', at: Date.now() - 7 * DAY },
      { role: 'assistant', text: 'old answer', at: Date.now() - 7 * DAY },
      { role: 'user', text: 'from yesterday', at: Date.now() - 1 * DAY },
      { role: 'assistant', text: 'recent answer', at: Date.now() - 1 * DAY },
    ])
    await h.call('persona.chat', { name: 'Ada', prompt: 'Today' })
    const texts = (await h.call('persona.history', { name: 'Ada' })).messages.map((m) => m.text)
    expect(texts).not.toContain('from last week')
    expect(texts).toContain('from yesterday')
    expect(texts.filter((t) => t.startsWith('Turn') || t === 'Today')).toEqual(['Turn 2', 'Turn 3', 'Turn 4', 'Today'])
    // A lower limit applies at once, to every conversation.
    await h.call('config.set', { key: 'conversationMaxMessages', value: 2 })
    expect((await h.call('persona.history', { name: 'Ada' })).messages.map((m) => m.text)[0]).toBe('Today')
  }, 120_000)

  it('gives the space of a cleared conversation back to the file system', async () => {
    const h = await setup()
    const persona = h.host.inference.personas.get('Ada')
    const db = path.join(h.home, 'warden.db')
    expect(fs.existsSync(db)).toBe(true)
    const size = () => fs.statSync(db).size + (fs.existsSync(`${db}-wal`) ? fs.statSync(`${db}-wal`).size : 0)
    const text = 'a long remembered answer '.repeat(200)
    for (let i = 0; i < 20; i++) h.host.inference.personas.append(persona.id, Array.from({ length: 100 }, (_, j) => ({ role: j % 2 ? ('assistant' as const) : ('user' as const), text, at: Date.now() })))
    h.host.database.reclaimSpace() // checkpoint: the rows are in the database file now
    const full = size()
    expect(full).toBeGreaterThan(8 * 1024 * 1024)
    expect(await h.call('persona.clear', { name: 'Ada' })).toEqual({ name: 'Ada', cleared: 2000 })
    expect(size()).toBeLessThan(full / 10)
    // Nor does the text stay behind in the files.
    for (const f of [db, `${db}-wal`]) if (fs.existsSync(f)) expect(fs.readFileSync(f).includes('a long remembered answer')).toBe(false)
  }, 120_000)

  it('persona.update changes only the settings it names (the others keep their values)', async () => {
    const h = await setup()
    const p = await h.call('persona.update', { name: 'Ada', settings: { contextSize: 1024 } })
    expect(p.settings).toEqual({ temperature: 0, topP: 0.95, maxTokens: 8, contextSize: 1024, seed: null, genome: { mode: 'none', adapters: [] } })
  })
})
