import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCliInProcess } from '../../../../test/cli'
import { tempDir } from '../../../../test/fixtures'
import { readGgufHead } from './ggufHeader'
import { writeTinyModel } from './tinyGguf'

describe('the GGUF header reader', () => {
  it('reads a model’s metadata and tensors as llama.cpp lays them out', async () => {
    const dir = tempDir('warden-gguf-head-')
    const m = await writeTinyModel(path.join(dir, 'm.gguf'), { layers: 3, embd: 32, heads: 2 })
    const head = await readGgufHead(m.path, 'The model')
    expect(head.metadata.get('general.architecture')).toBe('llama')
    expect(head.metadata.get('llama.block_count')).toBe(3)
    expect(head.tensors.find((t) => t.name === 'blk.2.attn_q.weight')?.dims).toEqual([32, 32])
    expect(head.fileSize).toBe(m.size)
  })

  it('warden model add refuses a corrupt GGUF at once (it used to wait forever)', async () => {
    const home = tempDir('warden-gguf-corrupt-')
    const file = path.join(home, 'junk.gguf')
    fs.writeFileSync(file, 'GGUF but not really')
    const r = await runCliInProcess(['model', 'add', file], { home })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/junk\.gguf is not a readable GGUF file: GGUF version \d+ is not one llama.cpp reads/)
  }, 30_000)
})
