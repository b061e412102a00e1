/**
 * Tiny random-weight GGUF models (llama architecture) and matching LoRA adapters, for tests,
 * benchmarks and the demo. llama.cpp (through node-llama-cpp) really loads and runs them: a default
 * model is about 0.5 MB, loads in tens of milliseconds and generates thousands of tokens a second
 * on one thread. The output is gibberish, but deterministic: the same options give byte-identical
 * files, and greedy decoding gives the same text every time.
 *
 * The parts: `ggufWriter.ts` (the format; facts about what llama.cpp accepts are in
 * shared/notes/gguf-fixtures.md), `seededWeights.ts`, `tinyModel.ts` (the model) and `tinyLora.ts`
 * (adapters for it); this file writes them to disk. They import only Node built-ins so that scripts
 * can use them without node-llama-cpp.
 */
import { createHash, randomBytes } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { tinyLoraBuffer, type TinyLoraOptions } from './tinyLora'
import { tinyModelBuffer, type TinyModelOptions } from './tinyModel'

export { tinyLoraBuffer, type TinyLoraOptions } from './tinyLora'
export { tinyModelBuffer, type TinyModelOptions } from './tinyModel'

export interface WrittenFile {
  path: string
  size: number
  sha256: string
}

/** Write to a temp file beside the target, then rename, so readers never see half a model. */
async function writeAtomically(filePath: string, data: Buffer): Promise<WrittenFile> {
  const target = path.resolve(filePath)
  await fsp.mkdir(path.dirname(target), { recursive: true })
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
  try {
    await fsp.writeFile(tmp, data, { flag: 'wx' })
    await fsp.rename(tmp, target)
  } catch (error) {
    await fsp.rm(tmp, { force: true })
    throw error
  }
  return { path: target, size: data.length, sha256: createHash('sha256').update(data).digest('hex') }
}

export async function writeTinyModel(filePath: string, opts: TinyModelOptions = {}): Promise<WrittenFile> {
  return writeAtomically(filePath, tinyModelBuffer(opts))
}

export async function writeTinyLora(filePath: string, opts: TinyLoraOptions = {}): Promise<WrittenFile> {
  return writeAtomically(filePath, tinyLoraBuffer(opts))
}
