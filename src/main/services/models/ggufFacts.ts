import * as fs from 'node:fs'
import type { ModelFacts } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import { readGgufHead } from './ggufHeader'

const MiB = 1024 * 1024
/** Tokens llama.cpp evaluates per batch (node-llama-cpp's default). */
const BATCH = 512

const fileTypes: Record<number, string> = { 0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M', 13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 32: 'BF16' }

export interface ModelShape {
  architecture: string | null
  parameters: number | null
  contextLength: number | null
  layers: number | null
  embeddingLength: number | null
  feedForwardLength: number | null
  vocabSize: number | null
  /** K and V widths per layer (head dim × KV heads). */
  kvWidth: number | null
  fileType: string | null
  fileSize: number
}

/** What a GGUF's header says about the model (node-llama-cpp's reader; the tensor data is not read). */
export async function readModelShape(file: string): Promise<ModelShape> {
  // node-llama-cpp's reader never returns on some corrupt headers: check the header with a bounded reader first.
  await readGgufHead(file, 'The model', { checkData: false })
  const { readGgufFileInfo } = await import('node-llama-cpp')
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>
  try {
    info = await readGgufFileInfo(file, { sourceType: 'filesystem', logWarnings: false, ignoreKeys: ['tokenizer.ggml.merges'] })
  } catch (error) {
    throw new WardenError('INVALID_INPUT', `${file} is not a readable GGUF model: ${(error as Error).message}`, {
      hint: 'Warden runs GGUF files (llama.cpp’s format). A partial download is not readable either: install it again.',
    })
  }
  const a = info.architectureMetadata as Record<string, unknown> & { attention?: Record<string, unknown> }
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null)
  const embd = num(a.embedding_length)
  const heads = num(a.attention?.head_count)
  const headsKv = num(a.attention?.head_count_kv) ?? heads
  const keyLength = num(a.attention?.key_length) ?? (embd && heads ? embd / heads : null)
  const valueLength = num(a.attention?.value_length) ?? keyLength
  const tokens = (info.metadata as { tokenizer?: { ggml?: { tokens?: readonly unknown[] } } }).tokenizer?.ggml?.tokens
  const parameters = info.tensorInfo ? info.tensorInfo.reduce((sum, t) => sum + t.dimensions.reduce<number>((p, d) => p * Number(d), 1), 0) : null
  const general = info.metadata.general as { architecture?: string; file_type?: number } | undefined
  return {
    architecture: general?.architecture ?? null,
    parameters,
    contextLength: num(a.context_length),
    layers: num(a.block_count),
    embeddingLength: embd,
    feedForwardLength: num(Array.isArray(a.feed_forward_length) ? Math.max(...(a.feed_forward_length as number[])) : a.feed_forward_length),
    vocabSize: num(a.vocab_size) ?? (Array.isArray(tokens) ? tokens.length : null),
    kvWidth: keyLength && valueLength && headsKv ? ((keyLength + valueLength) / 2) * headsKv : null,
    fileType: general?.file_type !== undefined ? (fileTypes[general.file_type] ?? `type ${general.file_type}`) : null,
    fileSize: fs.statSync(file).size,
  }
}

/**
 * Memory to load a model with `contextSize` tokens for each of `sequences` sequences:
 * the weights (the file), the KV cache (K and V in F16 for every layer and token), and llama.cpp's
 * compute buffers (logits and activations of one batch) plus a fixed overhead. Deliberately on the
 * high side: the scheduler must never load past the budget.
 */
export function estimateMemory(shape: ModelShape, contextSize: number, sequences: number): { total: number; weights: number; kvPerToken: number } {
  const layers = shape.layers ?? 32
  const kvWidth = shape.kvWidth ?? shape.embeddingLength ?? 4096
  const kvPerToken = 2 * layers * kvWidth * 2
  const batch = Math.min(BATCH, contextSize * sequences)
  const compute = 4 * batch * ((shape.vocabSize ?? 32000) + 4 * (shape.embeddingLength ?? 4096) + (shape.feedForwardLength ?? 11008))
  const total = shape.fileSize + kvPerToken * contextSize * sequences + compute + 32 * MiB
  return { total: Math.ceil(total), weights: shape.fileSize, kvPerToken }
}

/**
 * Where the memory goes with `gpuLayers` of the model's layers offloaded: the offloaded share of the
 * weights and of the KV cache, and the compute buffers, on the GPU; the rest in RAM.
 */
export function splitMemory(shape: ModelShape, contextSize: number, sequences: number, gpuLayers: number): { vramBytes: number; ramBytes: number; gpuLayers: number; contextSize: number } {
  const layers = shape.layers ?? 32
  const offloaded = Math.max(0, Math.min(gpuLayers, layers + 1)) // + 1: the output layer
  const share = Math.min(1, offloaded / (layers + 1))
  const ctx = Math.min(contextSize, shape.contextLength ?? contextSize)
  const est = estimateMemory(shape, ctx, sequences)
  const kv = est.kvPerToken * ctx * sequences
  const compute = est.total - est.weights - kv
  const vram = offloaded > 0 ? Math.ceil(est.weights * share + kv * Math.min(1, offloaded / layers) + compute) : 0
  return { vramBytes: vram, ramBytes: Math.max(0, est.total - vram), gpuLayers: offloaded, contextSize: ctx }
}

export function factsOf(shape: ModelShape, contextSize: number, sequences: number): ModelFacts {
  const est = estimateMemory(shape, contextSize, sequences)
  return {
    architecture: shape.architecture,
    parameters: shape.parameters,
    contextLength: shape.contextLength,
    layers: shape.layers,
    embeddingLength: shape.embeddingLength,
    fileType: shape.fileType,
    estimatedMemory: est.total,
    weightsBytes: est.weights,
    kvBytesPerToken: est.kvPerToken,
  }
}
