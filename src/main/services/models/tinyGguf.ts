/**
 * Tiny random-weight GGUF models (llama architecture) and matching LoRA adapters, for tests,
 * benchmarks and the demo. llama.cpp (through node-llama-cpp) really loads and runs them: a default
 * model is about 0.5 MB, loads in tens of milliseconds and generates thousands of tokens a second
 * on one thread. The output is gibberish, but deterministic: the same options give byte-identical
 * files, and greedy decoding gives the same text every time.
 *
 * Facts about the format that llama.cpp accepts are in shared/notes/gguf-fixtures.md. This file
 * imports only Node built-ins so that scripts can use it without node-llama-cpp.
 */
import { createHash, randomBytes } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'

// ---------------------------------------------------------------------------------------------
// A small GGUF v3 writer
// ---------------------------------------------------------------------------------------------

/** Every tensor's data starts at a multiple of this (written as `general.alignment`). */
const ALIGNMENT = 32

/** GGUF metadata value types (gguf.h `gguf_type`). */
const enum KvType {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
}

/** ggml tensor element types used here. */
const enum GgmlType {
  F32 = 0,
  F16 = 1,
}

type ScalarKind = 'string' | 'u32' | 'i32' | 'f32' | 'bool'

const kvTypeOf: Record<ScalarKind, KvType> = {
  string: KvType.String,
  u32: KvType.U32,
  i32: KvType.I32,
  f32: KvType.F32,
  bool: KvType.Bool,
}

interface TensorEntry {
  name: string
  /** ggml order: dims[0] varies fastest (a linear weight is [n_in, n_out]). */
  dims: number[]
  type: GgmlType
  /** Row-major in ggml order, `product(dims)` values. */
  data: Float32Array
}

/** Little-endian byte sink for the header (metadata and tensor infos). */
class HeaderBytes {
  private readonly chunks: Buffer[] = []
  size = 0

  private push(b: Buffer): void {
    this.chunks.push(b)
    this.size += b.length
  }
  u32(v: number): void {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(v)
    this.push(b)
  }
  i32(v: number): void {
    const b = Buffer.alloc(4)
    b.writeInt32LE(v)
    this.push(b)
  }
  u64(v: number): void {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(BigInt(v))
    this.push(b)
  }
  f32(v: number): void {
    const b = Buffer.alloc(4)
    b.writeFloatLE(v)
    this.push(b)
  }
  bool(v: boolean): void {
    this.push(Buffer.from([v ? 1 : 0]))
  }
  /** GGUF string: u64 byte length, then UTF-8 bytes (no terminator). */
  string(v: string): void {
    const bytes = Buffer.from(v, 'utf8')
    this.u64(bytes.length)
    this.push(bytes)
  }
  value(kind: ScalarKind, v: string | number | boolean): void {
    switch (kind) {
      case 'string': return this.string(String(v))
      case 'u32': return this.u32(Number(v))
      case 'i32': return this.i32(Number(v))
      case 'f32': return this.f32(Number(v))
      case 'bool': return this.bool(Boolean(v))
    }
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.size)
  }
}

/**
 * Collects metadata and tensors, then lays out a GGUF v3 file:
 * magic, version, tensor count, KV count, KVs, tensor infos, padding, aligned tensor data.
 */
class GgufWriter {
  private readonly kvs = new HeaderBytes()
  private kvCount = 0
  private readonly tensors: TensorEntry[] = []

  private key(key: string, type: KvType): void {
    this.kvs.string(key)
    this.kvs.u32(type)
    this.kvCount++
  }
  string(key: string, v: string): this {
    this.key(key, KvType.String)
    this.kvs.string(v)
    return this
  }
  u32(key: string, v: number): this {
    this.key(key, KvType.U32)
    this.kvs.u32(v)
    return this
  }
  i32(key: string, v: number): this {
    this.key(key, KvType.I32)
    this.kvs.i32(v)
    return this
  }
  f32(key: string, v: number): this {
    this.key(key, KvType.F32)
    this.kvs.f32(v)
    return this
  }
  bool(key: string, v: boolean): this {
    this.key(key, KvType.Bool)
    this.kvs.bool(v)
    return this
  }
  /** An array KV: u32 item type, u64 count, then the items. */
  array(key: string, itemKind: ScalarKind, values: ReadonlyArray<string | number | boolean>): this {
    this.key(key, KvType.Array)
    this.kvs.u32(kvTypeOf[itemKind])
    this.kvs.u64(values.length)
    for (const v of values) this.kvs.value(itemKind, v)
    return this
  }
  tensor(name: string, dims: number[], type: GgmlType, data: Float32Array): this {
    const count = dims.reduce((a, b) => a * b, 1)
    if (data.length !== count) throw new Error(`tensor ${name}: ${data.length} values for dims [${dims.join(', ')}]`)
    this.tensors.push({ name, dims, type, data })
    return this
  }

  toBuffer(): Buffer {
    // Tensor infos: offsets are relative to the start of the data section, each aligned.
    const infos = new HeaderBytes()
    const offsets: number[] = []
    let dataSize = 0
    for (const t of this.tensors) {
      dataSize = alignUp(dataSize)
      offsets.push(dataSize)
      infos.string(t.name)
      infos.u32(t.dims.length)
      for (const d of t.dims) infos.u64(d)
      infos.u32(t.type)
      infos.u64(dataSize)
      dataSize += t.data.length * (t.type === GgmlType.F16 ? 2 : 4)
    }
    dataSize = alignUp(dataSize)

    const magic = Buffer.from('GGUF', 'ascii')
    const head = Buffer.alloc(4 + 4 + 8 + 8)
    magic.copy(head, 0)
    head.writeUInt32LE(3, 4)
    head.writeBigUInt64LE(BigInt(this.tensors.length), 8)
    head.writeBigUInt64LE(BigInt(this.kvCount), 16)
    const header = Buffer.concat([head, this.kvs.toBuffer(), infos.toBuffer()])
    const dataStart = alignUp(header.length)

    // Buffer.alloc zero-fills, so all padding is zeros.
    const out = Buffer.alloc(dataStart + dataSize)
    header.copy(out, 0)
    this.tensors.forEach((t, i) => {
      const at = dataStart + offsets[i]
      if (t.type === GgmlType.F16) {
        for (let j = 0; j < t.data.length; j++) out.writeUInt16LE(f32ToF16Bits(t.data[j]), at + 2 * j)
      } else {
        for (let j = 0; j < t.data.length; j++) out.writeFloatLE(t.data[j], at + 4 * j)
      }
    })
    return out
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGNMENT) * ALIGNMENT
}

const f32View = new Float32Array(1)
const u32View = new Uint32Array(f32View.buffer)

/** IEEE half-precision bits of a float, rounding to nearest even (as ggml's fp32→fp16 does). */
function f32ToF16Bits(value: number): number {
  f32View[0] = value
  const x = u32View[0]
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0) // Inf / NaN
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00 // overflow → Inf
  if (e <= 0) {
    // Subnormal half (or zero).
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    let half = mant >>> shift
    const rest = mant & ((1 << shift) - 1)
    const halfway = 1 << (shift - 1)
    if (rest > halfway || (rest === halfway && half & 1)) half++
    return sign | half
  }
  let half = (e << 10) | (mant >>> 13)
  const rest = mant & 0x1fff
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++ // a carry into the exponent is correct
  return sign | half
}

// ---------------------------------------------------------------------------------------------
// Seeded random numbers
// ---------------------------------------------------------------------------------------------

/** mulberry32: a tiny 32-bit PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A 32-bit seed for one tensor: FNV-1a over the name, mixed with the model seed. */
function tensorSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0)
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** Standard normal samples (Box-Muller, both outputs used), one stream per tensor name. */
function normals(seed: number, name: string): () => number {
  const next = mulberry32(tensorSeed(seed, name))
  let spare: number | null = null
  return () => {
    if (spare !== null) {
      const s = spare
      spare = null
      return s
    }
    const u1 = 1 - next() // (0, 1]
    const u2 = next()
    const r = Math.sqrt(-2 * Math.log(u1))
    spare = r * Math.sin(2 * Math.PI * u2)
    return r * Math.cos(2 * Math.PI * u2)
  }
}

/**
 * A [nIn, nOut] matrix (nOut rows of nIn values) of normal(0, std) values. Only the first
 * `realIn` columns and `realOut` rows are random; the rest are zero (see `padBytes`). The random
 * part does not depend on the padding, so a padded model computes what the unpadded one does.
 */
function randomMatrix(seed: number, name: string, nIn: number, nOut: number, std: number, realIn = nIn, realOut = nOut): Float32Array {
  const data = new Float32Array(nIn * nOut)
  const next = normals(seed, name)
  for (let row = 0; row < realOut; row++) {
    for (let col = 0; col < realIn; col++) data[row * nIn + col] = next() * std
  }
  return data
}

// ---------------------------------------------------------------------------------------------
// Vocabulary (SentencePiece-style, byte fallback) and chat template
// ---------------------------------------------------------------------------------------------

/** llama.cpp token types (`llama_token_type`). */
const enum TokenType {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  Byte = 6,
}

/** A few two-character pieces, so the SPM tokenizer's merge step has work to do. */
const MERGES = ['▁t', 'he', 'in', 'er', 'an', 'on', '▁a', 're', 'at', 'en', 'is', 'or', 'es', 'ar', 'ou', 'll']

interface Vocab {
  tokens: string[]
  scores: number[]
  types: number[]
  bos: number
  eos: number
  unk: number
}

/**
 * `<unk>`, `<s>`, `</s>`, the 256 byte tokens, "▁" (the SPM space), printable ASCII, a few merges,
 * then the ChatML control tokens. ~370 tokens.
 */
function buildVocab(): Vocab {
  const tokens: string[] = []
  const scores: number[] = []
  const types: number[] = []
  const add = (t: string, type: TokenType, score = 0): void => {
    tokens.push(t)
    types.push(type)
    scores.push(score)
  }
  add('<unk>', TokenType.Unknown)
  add('<s>', TokenType.Control)
  add('</s>', TokenType.Control)
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TokenType.Byte)
  add('▁', TokenType.Normal, -1)
  for (let c = 0x21; c <= 0x7e; c++) add(String.fromCharCode(c), TokenType.Normal, -2 - (c - 0x21) / 1000)
  // Merged pieces score higher than single characters, so the tokenizer prefers them.
  MERGES.forEach((m, i) => add(m, TokenType.Normal, -0.5 - i / 1000))
  add('<|im_start|>', TokenType.Control)
  add('<|im_end|>', TokenType.Control)
  return { tokens, scores, types, bos: 1, eos: 2, unk: 0 }
}

/** ChatML, which node-llama-cpp recognises and maps to its ChatMLChatWrapper. */
const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

export interface TinyModelOptions {
  /** `general.name`; default "warden-tiny". */
  name?: string
  /** Weight seed; distinct seeds give distinct greedy output. Default 1. */
  seed?: number
  /** Transformer blocks; default 2. */
  layers?: number
  /** Embedding width; default 64. Must be a multiple of `heads`. */
  embd?: number
  /** Attention heads (as many KV heads); default 4. */
  heads?: number
  /** Feed-forward width; default 128. */
  ff?: number
  /** `llama.context_length`; default 1024. */
  contextLength?: number
  /** Weight type of the matrices (norms stay F32); default 'f32'. */
  fileType?: 'f32' | 'f16'
  /**
   * Make the file (and the loaded model's weights) about this many bytes bigger, for memory-budget
   * tests. llama.cpp rejects unused tensors and gaps between tensors, so the padding is real
   * weights: extra feed-forward units whose gate, up and down weights are all zero. They add
   * nothing to the output, so a padded model generates what the unpadded one does (same seed),
   * and LoRA adapters made for the unpadded model still fit (unless they target ffn_*). Rounded
   * up to whole units (`3 · embd · layers` weights each: 1.5 KiB with the defaults, F32), the
   * total width to a multiple of 32. Default 0.
   */
  padBytes?: number
}

interface ModelShape {
  name: string
  seed: number
  layers: number
  embd: number
  heads: number
  headDim: number
  kvDim: number
  /** Feed-forward width with random weights. */
  ff: number
  /** Feed-forward width in the file (ff plus zero padding units). */
  ffTotal: number
  contextLength: number
  fileType: 'f32' | 'f16'
  vocab: Vocab
}

function positiveInt(label: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`tiny model: ${label} must be a positive integer, got ${v}`)
  return v
}

function resolveShape(opts: TinyModelOptions = {}): ModelShape {
  const layers = positiveInt('layers', opts.layers ?? 2)
  const embd = positiveInt('embd', opts.embd ?? 64)
  const heads = positiveInt('heads', opts.heads ?? 4)
  const ff = positiveInt('ff', opts.ff ?? 128)
  const contextLength = positiveInt('contextLength', opts.contextLength ?? 1024)
  if (embd % heads !== 0) throw new Error(`tiny model: embd (${embd}) must be a multiple of heads (${heads})`)
  const headDim = embd / heads
  if (headDim % 2 !== 0) throw new Error(`tiny model: head size (${headDim}) must be even for RoPE`)
  const fileType = opts.fileType ?? 'f32'
  const padBytes = opts.padBytes ?? 0
  if (!Number.isFinite(padBytes) || padBytes < 0) throw new Error(`tiny model: padBytes must be >= 0, got ${padBytes}`)
  const bytesPerUnit = 3 * embd * layers * (fileType === 'f16' ? 2 : 4)
  // Padded widths are rounded to a multiple of 32 so ggml takes the same matmul path as without
  // padding (its SIMD/sgemm kernels work in blocks), and the zero terms change no partial sum.
  const ffTotal = padBytes > 0 ? Math.ceil((ff + Math.ceil(padBytes / bytesPerUnit)) / 32) * 32 : ff
  return {
    name: opts.name ?? 'warden-tiny',
    seed: (opts.seed ?? 1) >>> 0,
    layers,
    embd,
    heads,
    headDim,
    kvDim: headDim * heads,
    ff,
    ffTotal,
    contextLength,
    fileType,
    vocab: buildVocab(),
  }
}

/** [n_in, n_out] of every linear weight a LoRA may adapt, by tensor name. */
function linearWeights(s: ModelShape): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>()
  for (let i = 0; i < s.layers; i++) {
    m.set(`blk.${i}.attn_q.weight`, [s.embd, s.embd])
    m.set(`blk.${i}.attn_k.weight`, [s.embd, s.kvDim])
    m.set(`blk.${i}.attn_v.weight`, [s.embd, s.kvDim])
    m.set(`blk.${i}.attn_output.weight`, [s.embd, s.embd])
    m.set(`blk.${i}.ffn_gate.weight`, [s.embd, s.ffTotal])
    m.set(`blk.${i}.ffn_up.weight`, [s.embd, s.ffTotal])
    m.set(`blk.${i}.ffn_down.weight`, [s.ffTotal, s.embd])
  }
  m.set('output.weight', [s.embd, s.vocab.tokens.length])
  return m
}

/** The bytes of a tiny llama GGUF model. Same options → same bytes. */
export function tinyModelBuffer(opts: TinyModelOptions = {}): Buffer {
  const s = resolveShape(opts)
  const { vocab, seed, embd: E, ff: F, ffTotal: FT } = s
  const V = vocab.tokens.length
  const wType = s.fileType === 'f16' ? GgmlType.F16 : GgmlType.F32
  const w = new GgufWriter()

  w.string('general.architecture', 'llama')
    .string('general.type', 'model')
    .string('general.name', s.name)
    .u32('general.alignment', ALIGNMENT)
    .u32('general.file_type', s.fileType === 'f16' ? 1 : 0)
    .u32('llama.vocab_size', V)
    .u32('llama.context_length', s.contextLength)
    .u32('llama.embedding_length', E)
    .u32('llama.block_count', s.layers)
    .u32('llama.feed_forward_length', FT)
    .u32('llama.attention.head_count', s.heads)
    .u32('llama.attention.head_count_kv', s.heads)
    .u32('llama.rope.dimension_count', s.headDim)
    .f32('llama.rope.freq_base', 10000)
    .f32('llama.attention.layer_norm_rms_epsilon', 1e-5)
    .string('tokenizer.ggml.model', 'llama')
    .array('tokenizer.ggml.tokens', 'string', vocab.tokens)
    .array('tokenizer.ggml.scores', 'f32', vocab.scores)
    .array('tokenizer.ggml.token_type', 'i32', vocab.types)
    .u32('tokenizer.ggml.bos_token_id', vocab.bos)
    .u32('tokenizer.ggml.eos_token_id', vocab.eos)
    .u32('tokenizer.ggml.unknown_token_id', vocab.unk)
    .bool('tokenizer.ggml.add_bos_token', true)
    .bool('tokenizer.ggml.add_eos_token', false)
    .string('tokenizer.chat_template', CHATML_TEMPLATE)

  const ones = (n: number): Float32Array => new Float32Array(n).fill(1)
  const linear = (name: string, nIn: number, nOut: number, std: number, realIn = nIn, realOut = nOut): void => {
    w.tensor(name, [nIn, nOut], wType, randomMatrix(seed, name, nIn, nOut, std, realIn, realOut))
  }

  // Embeddings of unit scale, so the input token matters as much as each block's output.
  linear('token_embd.weight', E, V, 1)
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}`
    w.tensor(`${b}.attn_norm.weight`, [E], GgmlType.F32, ones(E))
    linear(`${b}.attn_q.weight`, E, E, 1 / Math.sqrt(E))
    linear(`${b}.attn_k.weight`, E, s.kvDim, 1 / Math.sqrt(E))
    linear(`${b}.attn_v.weight`, E, s.kvDim, 1 / Math.sqrt(E))
    linear(`${b}.attn_output.weight`, E, E, 1 / Math.sqrt(E))
    w.tensor(`${b}.ffn_norm.weight`, [E], GgmlType.F32, ones(E))
    // Units F..FT-1 are padding: zero rows of gate/up, zero columns of down.
    linear(`${b}.ffn_gate.weight`, E, FT, 1 / Math.sqrt(E), E, F)
    linear(`${b}.ffn_up.weight`, E, FT, 1 / Math.sqrt(E), E, F)
    linear(`${b}.ffn_down.weight`, FT, E, 1 / Math.sqrt(F), F, E)
  }
  w.tensor('output_norm.weight', [E], GgmlType.F32, ones(E))

  // A wider output std gives peaked logits, so greedy decoding is stable. Rows of tokens that are
  // not plain text (control, unknown, byte) are zero: their logit is 0, far below the best text
  // token's, so greedy output is printable ASCII and never stops at an end token.
  const output = randomMatrix(seed, 'output.weight', E, V, 2 / Math.sqrt(E))
  vocab.types.forEach((type, token) => {
    if (type !== TokenType.Normal) output.fill(0, token * E, (token + 1) * E)
  })
  w.tensor('output.weight', [E, V], wType, output)
  return w.toBuffer()
}

// ---------------------------------------------------------------------------------------------
// LoRA adapters
// ---------------------------------------------------------------------------------------------

export interface TinyLoraOptions {
  /** Adapter seed; default 1. */
  seed?: number
  /** Rank r; default 8. */
  rank?: number
  /** `adapter.lora.alpha`; the delta is scale · alpha / r · B·A. Default = rank. */
  alpha?: number
  /** Options of the base model the adapter is for (only its shape matters). */
  base?: TinyModelOptions
  /**
   * Weights to adapt: a per-layer kind (`attn_q`, `attn_k`, `attn_v`, `attn_output`, `ffn_gate`,
   * `ffn_up`, `ffn_down`: every layer), or a full tensor name (`blk.0.attn_q.weight`,
   * `output.weight`). Default: attn_q and attn_v of every layer.
   */
  targets?: string[]
}

function resolveTargets(s: ModelShape, targets: string[]): Array<[string, [number, number]]> {
  const weights = linearWeights(s)
  const out = new Map<string, [number, number]>()
  for (const t of targets) {
    const names = t.includes('.')
      ? [t.endsWith('.weight') ? t : `${t}.weight`]
      : Array.from({ length: s.layers }, (_, i) => `blk.${i}.${t}.weight`)
    for (const name of names) {
      const dims = weights.get(name)
      if (!dims) throw new Error(`tiny LoRA: no adaptable weight "${name}" (from target "${t}")`)
      out.set(name, dims)
    }
  }
  if (out.size === 0) throw new Error('tiny LoRA: no targets')
  return [...out]
}

/**
 * The bytes of a LoRA adapter for `tinyModelBuffer(base)`: for each target W of dims
 * [n_in, n_out], `W.lora_a` [n_in, r] and `W.lora_b` [r, n_out], random normal with std
 * 1/sqrt(fan_in), so at scale 1 (and alpha = r) the change is about as large as W itself.
 */
export function tinyLoraBuffer(opts: TinyLoraOptions = {}): Buffer {
  const s = resolveShape(opts.base)
  const seed = (opts.seed ?? 1) >>> 0
  const rank = positiveInt('rank', opts.rank ?? 8)
  const alpha = opts.alpha ?? rank
  const targets = resolveTargets(s, opts.targets ?? ['attn_q', 'attn_v'])
  const w = new GgufWriter()
  w.string('general.architecture', 'llama')
    .string('general.type', 'adapter')
    .string('general.name', `${s.name}-lora`)
    .u32('general.alignment', ALIGNMENT)
    .string('adapter.type', 'lora')
    .f32('adapter.lora.alpha', alpha)
  for (const [name, [nIn, nOut]] of targets) {
    const a = `${name}.lora_a`
    const b = `${name}.lora_b`
    w.tensor(a, [nIn, rank], GgmlType.F32, randomMatrix(seed, a, nIn, rank, 1 / Math.sqrt(nIn)))
    w.tensor(b, [rank, nOut], GgmlType.F32, randomMatrix(seed, b, rank, nOut, 1 / Math.sqrt(rank)))
  }
  return w.toBuffer()
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

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
