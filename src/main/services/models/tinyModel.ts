/**
 * The tiny random-weight llama model: its shape, a SentencePiece-style vocabulary with byte
 * fallback, the ChatML template, and the weights. See tinyGguf.ts for what the models are for.
 */
import { ALIGNMENT, GgmlType, GgufWriter } from './ggufWriter'
import { randomMatrix } from './seededWeights'

/** llama.cpp token types (`llama_token_type`). */
enum TokenType {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  Unused = 5,
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
function buildVocab(size?: number): Vocab {
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
  if (size !== undefined && size < tokens.length) throw new Error(`tiny model: vocabSize must be at least ${tokens.length}, got ${size}`)
  while (tokens.length < (size ?? 0)) add(`<unused_${tokens.length}>`, TokenType.Unused)
  return { tokens, scores, types, bos: 1, eos: 2, unk: 0 }
}

/** ChatML, which node-llama-cpp recognises and maps to its ChatMLChatWrapper. */
const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

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
  /**
   * Pad the vocabulary to this many tokens with unused ones, whose output logit is 0 (never chosen):
   * the output is the same, over a distribution of a real model's size (32k–150k), for benchmarks.
   * Default: the plain vocabulary (about 360 tokens).
   */
  vocabSize?: number
}

export interface ModelShape {
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

export function positiveInt(label: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`tiny model: ${label} must be a positive integer, got ${v}`)
  return v
}

export function resolveShape(opts: TinyModelOptions = {}): ModelShape {
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
    vocab: buildVocab(opts.vocabSize === undefined ? undefined : positiveInt('vocabSize', opts.vocabSize)),
  }
}

/** [n_in, n_out] of every linear weight a LoRA may adapt, by tensor name. */
export function linearWeights(s: ModelShape): Map<string, [number, number]> {
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
