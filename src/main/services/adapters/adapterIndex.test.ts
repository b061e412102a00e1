/**
 * The adapters' SQLite index, through the host on a real home: kept in step by add, remove and
 * adoption (and files changed by hand, at the next listing); rebuilt by `warden doctor` after the
 * database is lost; usage counted when a genome answers (real worker, tiny model and LoRA); and a
 * change made by another process on the same home (its own database connection) reaches this
 * one's clients as an `adapters.changed` event.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { inferenceHost, inferenceHosts, waitFor, writeTinyModels, type InferenceTestHost } from '../../../../test/inference'
import { tempDir } from '../../../../test/fixtures'
import { writeTinyLora } from '../models/tinyGguf'

const host = inferenceHosts()

const rows = (h: InferenceTestHost) => (h.host.database.db.prepare('SELECT name, sha256, base_model AS baseModel, description FROM adapters ORDER BY name').all() as Array<{ name: string; sha256: string; baseModel: string | null; description: string }>)

describe('the adapter index', () => {
  it('follows adds, removes and adoptions; doctor rebuilds it from the folder after the database is lost; usage is counted per generation', async () => {
    const h = host()
    await writeTinyModels(path.join(h.home, 'models'), 1)
    const src = tempDir('index-lora-')
    const poet = await writeTinyLora(path.join(src, 'poet.gguf'), { seed: 1 })
    const coder = await writeTinyLora(path.join(src, 'coder.gguf'), { seed: 2 })
    await h.call('adapter.add', { path: poet.path, name: 'poet', description: 'Rhymes', base: 'tiny-1' })
    await h.call('adapter.add', { path: coder.path, name: 'coder', description: 'Compiles' })
    expect(rows(h)).toEqual([
      { name: 'coder', sha256: coder.sha256, baseModel: null, description: 'Compiles' },
      { name: 'poet', sha256: poet.sha256, baseModel: 'tiny-1', description: 'Rhymes' },
    ])
    await h.call('adapter.remove', { name: 'coder' })
    expect(rows(h).map((r) => r.name)).toEqual(['poet'])

    // A file dropped into the folder by hand is adopted at the next listing; one deleted by hand leaves the index too.
    const adapters = path.join(h.home, 'adapters')
    fs.copyFileSync(coder.path, path.join(adapters, 'dropped.gguf'))
    expect((await h.call('adapter.list', {})).adapters.map((a) => a.name)).toEqual(['dropped', 'poet'])
    expect(rows(h).map((r) => r.name)).toEqual(['dropped', 'poet'])
    for (const f of ['dropped.gguf', 'dropped.json']) fs.rmSync(path.join(adapters, f))
    await h.call('adapter.list', {})
    expect(rows(h).map((r) => r.name)).toEqual(['poet'])

    // Usage: each generation answered with the adapter in its genome.
    await h.call('persona.create', { name: 'Ada', model: 'tiny-1', settings: { temperature: 0, maxTokens: 4 } })
    await h.call('persona.update', { name: 'Ada', adapters: 'poet' })
    const before = Date.now()
    for (let i = 0; i < 2; i++) await h.call('persona.chat', { name: 'Ada', prompt: `Line ${i}?` })
    await h.call('persona.update', { name: 'Ada', genome: 'none' })
    await h.call('persona.chat', { name: 'Ada', prompt: 'Without it.' })
    const [listed] = (await h.call('adapter.list', {})).adapters
    expect(listed.usage.generations).toBe(2)
    expect(listed.usage.lastUsedAt).toBeGreaterThanOrEqual(before)

    // The database lost: doctor rebuilds the index from the folder, with no workspace open.
    await host.quit(h)
    for (const f of fs.readdirSync(h.home)) if (f.startsWith('warden.db')) fs.rmSync(path.join(h.home, f))
    fs.copyFileSync(coder.path, path.join(adapters, 'coder.gguf'))
    const h2 = host(h.home)
    expect(rows(h2)).toEqual([])
    const report = await h2.call('doctor.run', {})
    expect(report).toMatchObject({ workspace: null, adapters: { indexed: 2, added: ['coder', 'poet'], removed: [], problems: [] } })
    expect(rows(h2)).toEqual([
      { name: 'coder', sha256: coder.sha256, baseModel: null, description: '' },
      { name: 'poet', sha256: poet.sha256, baseModel: 'tiny-1', description: 'Rhymes' },
    ])
    // A rebuild keeps the usage of the adapters still there, and reports those gone.
    h2.host.adapterIndex.recordUse(['poet'])
    fs.rmSync(path.join(adapters, 'coder.gguf'))
    h2.host.database.db.prepare("INSERT INTO adapters (name, path, sha256, size, base_model, description, tags, added_at, facts) VALUES ('ghost', '/nowhere.gguf', 'x', 1, NULL, '', '[]', 0, '{}')").run()
    const again = await h2.call('doctor.run', {})
    expect(again.adapters).toMatchObject({ indexed: 1, removed: ['coder', 'ghost'], problems: ['coder.json has no adapter file coder.gguf'] })
    expect((await h2.call('adapter.list', {})).adapters.map((a) => [a.name, a.usage.generations])).toEqual([['poet', 1]])
  }, 120_000)

  it('tells this process’s clients when another process on the same home adds or removes an adapter', async () => {
    const app = host()
    const changes = () => app.events.filter((e) => e.event === 'adapters.changed').length
    // What `warden adapter add` does: its own host and database connection on the same home.
    const cli = inferenceHost({ home: app.home, runtime: 'cli' })
    try {
      const lora = await writeTinyLora(path.join(tempDir('live-lora-'), 'poet.gguf'))
      await app.call('adapter.list', {})
      const seen = changes()
      await cli.call('adapter.add', { path: lora.path, name: 'poet' })
      await waitFor(() => changes() > seen || null, 'adapters.changed after another process added one')
      expect((await app.call('adapter.list', {})).adapters.map((a) => a.name)).toEqual(['poet'])
      const added = changes()
      await cli.call('adapter.remove', { name: 'poet' })
      await waitFor(() => changes() > added || null, 'adapters.changed after another process removed one')
    } finally {
      await cli.host.shutdown()
    }
  }, 60_000)
})
