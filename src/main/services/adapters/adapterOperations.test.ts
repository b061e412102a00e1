import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHost, writeTinyModels } from '../../../../test/inference'
import { tempDir } from '../../../../test/fixtures'
import { runCliInProcess } from '../../../../test/cli'
import { writeTinyLora, writeTinyModel } from '../models/tinyGguf'
import { descriptionText } from './AdapterStore'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function host() {
  const h = inferenceHost()
  cleanups.push(() => h.host.shutdown())
  await writeTinyModels(path.join(h.home, 'models'), 1)
  await writeTinyModel(path.join(h.home, 'models', 'wide.gguf'), { name: 'wide', embd: 128 })
  const src = tempDir('warden-lora-src-')
  return { ...h, src }
}

describe('adapter operations', () => {
  it('adds adapters checked against their base model, lists, inspects and removes them', async () => {
    const h = await host()
    const lora = await writeTinyLora(path.join(h.src, 'poet.gguf'))
    const added = await h.call('adapter.add', { path: lora.path, name: 'poet', description: 'Writes rhyming poems', tags: 'poetry, verse', base: 'tiny-1' })
    expect(added).toMatchObject({ name: 'poet', baseModel: 'tiny-1', tags: ['poetry', 'verse'], sha256: lora.sha256, path: path.join(h.home, 'adapters', 'poet.gguf') })

    // Made for a 64-wide model: refused for a 128-wide one, naming the tensor, and nothing kept.
    await expect(h.call('adapter.add', { path: lora.path, name: 'poet-wide', base: 'wide' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/The adapter poet-wide does not fit the model wide: tensor blk\.0\.attn_q\.weight: the base weight is \[128, 128\]/),
    })
    await expect(h.call('adapter.add', { path: lora.path, name: 'x', base: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(h.call('adapter.add', { path: lora.path, name: '../escape' })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    expect((await h.call('adapter.list', {})).adapters.map((a) => a.name)).toEqual(['poet'])
    expect(await h.call('adapter.inspect', { name: 'poet' })).toMatchObject({ intact: true, facts: { rank: 8, targets: 4, architecture: 'llama' } })
    expect(await h.call('adapter.remove', { name: 'poet' })).toMatchObject({ removed: true, freedBytes: lora.size })
    expect(fs.readdirSync(path.join(h.home, 'adapters'))).toEqual([])
  })

  it('embeds a text, and ranks adapters by the similarity of a text to their descriptions, caching those embeddings', async () => {
    const h = await host()
    const embedded = await h.call('embedding.create', { model: 'tiny-1', text: 'hello world' })
    expect(embedded).toMatchObject({ model: 'tiny-1', dimensions: 64 })
    expect(embedded.vector).toHaveLength(64)

    const lora = await writeTinyLora(path.join(h.src, 'a.gguf'))
    const poet = { name: 'poet', description: 'Writes rhyming poems about the sea', tags: ['poetry'] }
    const coder = { name: 'coder', description: 'Answers questions about TypeScript compilers', tags: ['code'] }
    for (const a of [poet, coder]) await h.call('adapter.add', { path: lora.path, base: 'tiny-1', ...a })

    await expect(h.call('adapter.search', { text: 'poems' })).rejects.toThrow(/No embedding model is set/)
    await h.call('config.set', { key: 'embeddingModel', value: 'tiny-1' })
    // The exact text an adapter is described by is most similar to it (cosine 1).
    for (const a of [poet, coder]) {
      const found = await h.call('adapter.search', { text: descriptionText(a) })
      expect(found.embeddingModel).toBe('tiny-1')
      expect(found.results.map((r) => r.name)[0]).toBe(a.name)
      expect(found.results[0].similarity).toBeCloseTo(1, 4)
      expect(found.results[1].similarity).toBeLessThan(0.9999)
    }
    const sidecar = JSON.parse(fs.readFileSync(path.join(h.home, 'adapters', 'poet.json'), 'utf8'))
    expect(Object.keys(sidecar.embeddings)).toEqual(['tiny-1'])
    expect(sidecar.embeddings['tiny-1'].vector).toHaveLength(64)
    // Only adapters for the given base model.
    expect((await h.call('adapter.search', { text: 'x', model: 'wide' })).results).toEqual([])
  }, 60_000)

  it('the CLI: warden adapter add/list/search and warden embed', async () => {
    const home = tempDir('warden-adapter-cli-')
    await writeTinyModels(path.join(home, 'models'), 1)
    const lora = await writeTinyLora(path.join(home, 'poet.gguf'))
    const cli = (args: string[]) => runCliInProcess(args, { home })
    const added = await cli(['adapter', 'add', lora.path, '--name', 'poet', '--description', 'Writes poems', '--tags', 'poetry,verse', '--base', 'tiny-1'])
    expect(added.code).toBe(0)
    expect(added.stdout).toContain('Adapter poet added')
    const list = await cli(['adapter', 'list'])
    expect(list.stdout).toMatch(/poet\s+tiny-1\s+r8.*never used\s+Writes poems \[poetry, verse\]/)
    const search = await cli(['adapter', 'search', 'Writes poems', '--embedding-model', 'tiny-1'])
    expect(search.code).toBe(0)
    expect(search.stdout).toMatch(/0\.\d\d\d\s+poet/)
    const embed = await cli(['embed', '--model', 'tiny-1', 'hello', '--json'])
    expect(embed.json<{ vector: number[] }>().vector).toHaveLength(64)
    expect((await cli(['persona', 'create', '--name', 'Ada', '--model', 'tiny-1'])).code).toBe(0)
    const edited = await cli(['persona', 'edit', 'Ada', '--adapters', 'poet', '--scales', '0.5', '--json'])
    expect(edited.json<{ settings: { genome: unknown } }>().settings.genome).toEqual({ mode: 'fixed', adapters: [{ name: 'poet', scale: 0.5 }] })
    const chat = await cli(['persona', 'chat', 'Ada', 'hello'])
    expect(chat.code).toBe(0)
    expect(chat.output).toContain('Genome: poet (pinned ×0.5)')
    expect((await cli(['adapter', 'list'])).stdout).toMatch(/poet\s+tiny-1\s+r8.*used once, last (just now|\d+ seconds ago)\s+Writes poems/)
    const doctor = await cli(['doctor'])
    expect(doctor.code).toBe(0)
    expect(doctor.stdout).toContain('🧬 Indexed 1 adapter')
    expect((await cli(['persona', 'edit', 'Ada', '--adapters', 'poet', '--scales', 'big'])).stderr).toContain('scales are numbers separated by commas')
    const bad = await cli(['adapter', 'add', path.join(home, 'models', 'tiny-1.gguf'), '--name', 'm'])
    expect(bad.code).toBe(2) // invalid input
    expect(bad.stderr).toContain('is not a LoRA adapter')
  }, 60_000)
})
