// The tiny generated models really load and run in node-llama-cpp (no mocks): CPU only, one thread.
import { createHash } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import type { ChatWrapper, Llama, LlamaModel } from 'node-llama-cpp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tinyLoraBuffer, tinyModelBuffer, writeTinyLora, writeTinyModel, type TinyModelOptions } from './tinyGguf'

const PRINTABLE = /^[\x20-\x7e]+$/

let dir: string
let llama: Llama
let nlc: typeof import('node-llama-cpp')
const models = new Map<string, { model: LlamaModel; chatWrapper: ChatWrapper }>()

/** Each case's model file, written once. */
const files: Record<string, TinyModelOptions> = {
  a: { seed: 1, contextLength: 900 },
  b: { seed: 2, contextLength: 900 },
  f16: { seed: 1, contextLength: 900, fileType: 'f16' },
  padded: { seed: 1, contextLength: 900, padBytes: 2_000_000 },
}
const fileOf = (key: string): string => path.join(dir, `${key}.gguf`)

/**
 * The loaded model and the chat wrapper node-llama-cpp picks for it from its chat template. The
 * pick takes ~0.2 s (it compares the template with every known one), so it is done once per model.
 */
async function model(key: string): Promise<{ model: LlamaModel; chatWrapper: ChatWrapper }> {
  let m = models.get(key)
  if (!m) {
    const loaded = await llama.loadModel({ modelPath: fileOf(key) })
    m = { model: loaded, chatWrapper: nlc.resolveChatWrapper(loaded) }
    models.set(key, m)
  }
  return m
}

/** One greedy chat turn in a fresh context (so two calls share no state). */
async function ask(key: string, lora?: { scale: number }): Promise<string> {
  const { model: m, chatWrapper } = await model(key)
  expect(chatWrapper.wrapperName).toBe('ChatML')
  const context = await m.createContext({
    contextSize: 512,
    threads: 1,
    ...(lora ? { lora: { adapters: [{ filePath: path.join(dir, 'lora.gguf'), scale: lora.scale }] } } : {}),
  })
  try {
    const session = new nlc.LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper })
    return await session.prompt('Hello, who are you?', { temperature: 0, maxTokens: 16 })
  } finally {
    await context.dispose()
  }
}

beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'warden-tiny-gguf-'))
  for (const [key, opts] of Object.entries(files)) await writeTinyModel(fileOf(key), opts)
  await writeTinyLora(path.join(dir, 'lora.gguf'), { seed: 7, base: files.a })
  nlc = await import('node-llama-cpp')
  // CPU prebuilt binary only: never build from source, download, or probe for a GPU.
  llama = await nlc.getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: nlc.LlamaLogLevel.error })
})

afterAll(async () => {
  await llama?.dispose() // disposes the models too
  if (dir) await fsp.rm(dir, { recursive: true, force: true })
})

describe('tiny GGUF files', () => {
  it('are byte-identical for the same options and differ for another seed', async () => {
    const one = tinyModelBuffer({ seed: 5 })
    expect(tinyModelBuffer({ seed: 5 }).equals(one)).toBe(true)
    expect(tinyModelBuffer({ seed: 6 }).equals(one)).toBe(false)
    expect(tinyLoraBuffer({ seed: 3 }).equals(tinyLoraBuffer({ seed: 3 }))).toBe(true)

    const x = await writeTinyModel(path.join(dir, 'x.gguf'), { seed: 5 })
    const y = await writeTinyModel(path.join(dir, 'y.gguf'), { seed: 5 })
    expect(x.sha256).toBe(y.sha256)
    expect(x.size).toBe(one.length)
    expect(x.sha256).toBe(createHash('sha256').update(await fsp.readFile(x.path)).digest('hex'))
    // The temp files were renamed away.
    expect((await fsp.readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([])
  })

  it('padBytes grows the file by about that much', () => {
    const base = tinyModelBuffer({ seed: 1 }).length
    const padded = tinyModelBuffer({ seed: 1, padBytes: 1_000_000 }).length
    expect(padded - base).toBeGreaterThanOrEqual(1_000_000)
    expect(padded - base).toBeLessThan(1_100_000)
  })
})

describe('tiny GGUF models in node-llama-cpp', () => {
  it('load as llama models with the context length they were given', async () => {
    const { model: m } = await model('a')
    expect(m.fileInfo.metadata.general.architecture).toBe('llama')
    expect(m.fileInfo.metadata.general.name).toBe('warden-tiny')
    expect(m.trainContextSize).toBe(900)
    const info = await nlc.readGgufFileInfo(fileOf('a'), { logWarnings: false })
    expect(info.version).toBe(3)
    expect(info.tensorCount).toBe(21)
    expect((info.metadata as { llama: { context_length: number } }).llama.context_length).toBe(900)
  })

  it('chat greedily: printable ASCII, the same in two contexts, different for another seed', async () => {
    const first = await ask('a')
    expect(first.trim().length).toBeGreaterThan(0)
    expect(first).toMatch(PRINTABLE)
    expect(await ask('a')).toBe(first)
    const other = await ask('b')
    expect(other).toMatch(PRINTABLE)
    expect(other).not.toBe(first)
  })

  it('change their output with a LoRA adapter, and not at scale 0', async () => {
    const base = await ask('a')
    const adapted = await ask('a', { scale: 1 })
    expect(adapted).toMatch(PRINTABLE)
    expect(adapted).not.toBe(base)
    expect(await ask('a', { scale: 0 })).toBe(base)
  })

  it('load and run as f16, and padded (padding changes nothing)', async () => {
    expect((await fsp.stat(fileOf('f16'))).size).toBeLessThan((await fsp.stat(fileOf('a'))).size)
    expect(await ask('f16')).toMatch(PRINTABLE)
    expect(await ask('padded')).toBe(await ask('a'))
  })
})
