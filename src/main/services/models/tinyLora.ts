/** LoRA adapters that fit the tiny models (see tinyGguf.ts), in llama.cpp's GGUF adapter format. */
import { ALIGNMENT, GgmlType, GgufWriter } from './ggufWriter'
import { randomMatrix } from './seededWeights'
import { linearWeights, positiveInt, resolveShape, type ModelShape, type TinyModelOptions } from './tinyModel'

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
