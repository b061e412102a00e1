import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeTinyLora, writeTinyModel } from '../models/tinyGguf'
import { AdapterStore } from './AdapterStore'

let tmp: string
let store: AdapterStore
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-adapters-'))
  store = new AdapterStore(path.join(tmp, 'adapters'))
})
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe('AdapterStore', () => {
  it('copies a LoRA adapter in with a sidecar, lists, inspects and removes it', async () => {
    const base = await writeTinyModel(path.join(tmp, 'base.gguf'))
    const src = await writeTinyLora(path.join(tmp, 'src', 'poet.gguf'), { rank: 4 })
    const added = await store.add({ file: src.path, name: 'poet', description: 'Writes poems', tags: ['poetry', 'verse'], base: { id: 'tiny', path: base.path } })
    expect(added).toMatchObject({ name: 'poet', baseModel: 'tiny', sha256: src.sha256, size: src.size, tags: ['poetry', 'verse'] })
    expect(added.facts).toMatchObject({ architecture: 'llama', rank: 4, targets: 4, layersSpanned: 2, alpha: 4 })
    expect(fs.readFileSync(path.join(tmp, 'adapters', 'poet.gguf')).equals(fs.readFileSync(src.path))).toBe(true)
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'adapters', 'poet.json'), 'utf8')).description).toBe('Writes poems')
    expect(fs.existsSync(src.path)).toBe(true) // copied, not moved
    expect((await store.list()).adapters.map((a) => a.name)).toEqual(['poet'])
    expect(await store.inspect('poet')).toMatchObject({ intact: true, problem: null })

    // A changed file is reported, not trusted.
    const f = path.join(tmp, 'adapters', 'poet.gguf')
    const bytes = fs.readFileSync(f)
    bytes[bytes.length - 1] ^= 0xff
    fs.writeFileSync(f, bytes)
    expect((await store.inspect('poet')).problem).toMatch(/checksum/)

    await expect(store.add({ file: src.path, name: 'poet' })).rejects.toMatchObject({ code: 'CONFLICT' })
    expect(await store.remove('poet')).toMatchObject({ removed: true, freedBytes: src.size })
    expect(fs.readdirSync(path.join(tmp, 'adapters'))).toEqual([])
    await expect(store.remove('poet')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('refuses an adapter that does not fit the base model, naming the tensor, and keeps nothing', async () => {
    const wide = await writeTinyModel(path.join(tmp, 'wide.gguf'), { embd: 128 })
    const deep = await writeTinyModel(path.join(tmp, 'deep.gguf'), { layers: 1 })
    const src = await writeTinyLora(path.join(tmp, 'a.gguf'))
    await expect(store.add({ file: src.path, name: 'a', base: { id: 'wide', path: wide.path } })).rejects.toThrow(
      /does not fit the model wide: tensor blk\.0\.attn_q\.weight: the base weight is \[128, 128\], but lora_a is \[64, 8\]/,
    )
    await expect(store.add({ file: src.path, name: 'a', base: { id: 'deep', path: deep.path } })).rejects.toThrow(/adapts blk\.1\.attn_q\.weight \(layer 1\), but the base model has 1 layers/)
    // Fits a wider model when made for it.
    const wideLora = await writeTinyLora(path.join(tmp, 'w.gguf'), { base: { embd: 128 } })
    await expect(store.add({ file: wideLora.path, name: 'w', base: { id: 'wide', path: wide.path } })).resolves.toMatchObject({ baseModel: 'wide' })
    expect(fs.readdirSync(path.join(tmp, 'adapters')).sort()).toEqual(['w.gguf', 'w.json'])
  })

  it('refuses a model, a truncated adapter, garbage and unsafe names with clear errors', async () => {
    const model = await writeTinyModel(path.join(tmp, 'm.gguf'))
    await expect(store.add({ file: model.path, name: 'm' })).rejects.toThrow(/is not a LoRA adapter: its general.type is "model"/)
    const src = await writeTinyLora(path.join(tmp, 'a.gguf'))
    const cut = path.join(tmp, 'cut.gguf')
    fs.writeFileSync(cut, fs.readFileSync(src.path).subarray(0, src.size - 100))
    await expect(store.add({ file: cut, name: 'cut' })).rejects.toThrow(/is truncated: the data of tensor blk\.1\.attn_v\.weight\.lora_b ends at byte/)
    const junk = path.join(tmp, 'junk.gguf')
    fs.writeFileSync(junk, 'not a gguf at all')
    await expect(store.add({ file: junk, name: 'junk' })).rejects.toThrow(/junk\.gguf is not a readable GGUF file/)
    // Corrupt headers fail at once (node-llama-cpp's own reader never returns on some of these).
    const header = fs.readFileSync(src.path)
    const huge = Buffer.from(header)
    huge.writeBigUInt64LE(2n ** 40n, 16) // the metadata count
    fs.writeFileSync(path.join(tmp, 'huge.gguf'), huge)
    await expect(store.add({ file: path.join(tmp, 'huge.gguf'), name: 'huge' })).rejects.toThrow(/not a readable GGUF file: 1099511627776 metadata entries and \d+ tensors cannot fit/)
    fs.writeFileSync(path.join(tmp, 'head.gguf'), header.subarray(0, 400))
    await expect(store.add({ file: path.join(tmp, 'head.gguf'), name: 'head' })).rejects.toThrow(/the header runs past the end of the file/)
    const badString = Buffer.from(header)
    badString.writeBigUInt64LE(2n ** 52n, 24) // the first key's length
    fs.writeFileSync(path.join(tmp, 'str.gguf'), badString)
    await expect(store.add({ file: path.join(tmp, 'str.gguf'), name: 'str' })).rejects.toThrow(/not a readable GGUF file/)
    fs.writeFileSync(path.join(tmp, 'garbage.gguf'), 'GGUF but not really')
    await expect(store.add({ file: path.join(tmp, 'garbage.gguf'), name: 'garbage' })).rejects.toThrow(/not a readable GGUF file: GGUF version \d+ is not one llama.cpp reads/)
    for (const bad of ['../x', 'a/b', '.hidden', '', 'x.gguf']) await expect(store.add({ file: src.path, name: bad })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await expect(store.add({ file: path.join(tmp, 'none.gguf'), name: 'none' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(fs.existsSync(path.join(tmp, 'adapters')) ? fs.readdirSync(path.join(tmp, 'adapters')) : []).toEqual([])
  })

  it('adopts an adapter file put in the folder without a sidecar; lists what it cannot adopt, and sidecars without a file, as problems', async () => {
    const src = await writeTinyLora(path.join(tmp, 'a.gguf'), { rank: 2 })
    await store.add({ file: src.path, name: 'one', description: 'first' })
    await store.add({ file: src.path, name: 'two' })
    fs.rmSync(path.join(tmp, 'adapters', 'one.json'))
    fs.rmSync(path.join(tmp, 'adapters', 'two.gguf'))
    fs.copyFileSync(src.path, path.join(tmp, 'adapters', 'dropped.gguf'))
    fs.writeFileSync(path.join(tmp, 'adapters', 'junk.gguf'), 'GGUF but not really')
    await store.add({ file: src.path, name: 'edited' })
    fs.writeFileSync(path.join(tmp, 'adapters', 'edited.json'), JSON.stringify({ name: 'edited', description: 7 }))
    const { adapters, problems } = await store.list()
    expect(adapters.map((a) => [a.name, a.description, a.baseModel, a.sha256, a.facts.rank])).toEqual([
      ['dropped', '', null, src.sha256, 2],
      ['one', '', null, src.sha256, 2],
    ])
    expect(problems).toEqual([expect.stringMatching(/edited\.json is not a readable adapter record/), expect.stringMatching(/junk\.gguf has no sidecar and cannot be adopted: .*not a readable GGUF file/), expect.stringMatching(/two\.json has no adapter file/)])
    expect(fs.existsSync(path.join(tmp, 'adapters', 'dropped.json'))).toBe(true)
    expect((await store.inspect('dropped')).intact).toBe(true)
  })
  it('sees sidecars edited, removed and added by hand after they were listed (parsed sidecars are kept between calls)', async () => {
    const src = await writeTinyLora(path.join(tmp, 'a.gguf'))
    await store.add({ file: src.path, name: 'poet', description: 'Writes poems' })
    await store.add({ file: src.path, name: 'coder', description: 'Writes code' })
    await store.cacheEmbedding('poet', 'emb', [1, 0])
    await new Promise((resolve) => setTimeout(resolve, 1100)) // older than a second: kept once parsed
    const other = new AdapterStore(path.join(tmp, 'adapters')) // each call makes its own store
    expect((await other.list()).adapters.map((a) => [a.name, a.description])).toEqual([['coder', 'Writes code'], ['poet', 'Writes poems']])
    expect(other.cachedEmbedding('poet', 'emb')).toEqual([1, 0])
    // Edited in place, same size: the new text is listed, and the embedding of the old text is not used.
    const json = path.join(tmp, 'adapters', 'poet.json')
    fs.writeFileSync(json, fs.readFileSync(json, 'utf8').replace('Writes poems', 'Writes plays'))
    expect(store.get('poet').description).toBe('Writes plays')
    expect(other.cachedEmbedding('poet', 'emb')).toBeNull()
    // Removed by hand, and a pair copied in by hand.
    fs.rmSync(path.join(tmp, 'adapters', 'coder.json'))
    fs.rmSync(path.join(tmp, 'adapters', 'coder.gguf'))
    fs.copyFileSync(src.path, path.join(tmp, 'adapters', 'chef.gguf'))
    fs.writeFileSync(path.join(tmp, 'adapters', 'chef.json'), fs.readFileSync(json, 'utf8').replace('"poet"', '"chef"').replace('Writes plays', 'Cooks lentils'))
    expect((await other.list()).adapters.map((a) => [a.name, a.description])).toEqual([['chef', 'Cooks lentils'], ['poet', 'Writes plays']])
    expect(() => other.get('coder')).toThrow(/No adapter named coder/)
    // A sidecar broken by hand is a problem again, not the record kept from before.
    fs.writeFileSync(json, '{')
    expect((await other.list()).problems).toEqual([expect.stringMatching(/poet\.json is not a readable adapter record/)])
  })
})
