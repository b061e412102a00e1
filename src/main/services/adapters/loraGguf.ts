import { WardenError } from '../../../shared/errors'
import { type GgufHead } from '../models/ggufHeader'

export { readGgufHead, type GgufHead } from '../models/ggufHeader'

/** Facts of a LoRA adapter, from its header (kept in the sidecar). */
export interface LoraFacts {
  architecture: string
  alpha: number | null
  /** The rank r (the lora_a's second dim), the largest if they differ. */
  rank: number
  /** Adapted base weights (each with a lora_a and a lora_b). */
  targets: number
  /** Highest `blk.N` index adapted, + 1 (0 when no layer weight is adapted). */
  layersSpanned: number
}

const num = (v: unknown) => (typeof v === 'number' ? v : null)

function meta(head: GgufHead, key: string): unknown {
  return head.metadata.get(key)
}

/** The adapter's facts; anything but a LoRA adapter GGUF (or one with unpaired or inconsistent lora_a/lora_b) is refused. */
export function loraFacts(head: GgufHead, file: string): LoraFacts {
  const type = meta(head, 'general.type')
  const adapterType = meta(head, 'adapter.type')
  if (type !== 'adapter' || adapterType !== 'lora') {
    throw new WardenError('INVALID_INPUT', `${file} is not a LoRA adapter: its general.type is ${JSON.stringify(type ?? null)} and adapter.type ${JSON.stringify(adapterType ?? null)} (a LoRA adapter has "adapter" and "lora")`, {
      hint: type === 'model' ? 'This is a model: add it with warden model add FILE.' : 'Convert the adapter to GGUF with llama.cpp’s convert_lora_to_gguf.py.',
    })
  }
  const architecture = meta(head, 'general.architecture')
  if (typeof architecture !== 'string' || !architecture) throw new WardenError('INVALID_INPUT', `The adapter ${file} does not say its architecture (general.architecture)`)
  const byName = new Map(head.tensors.map((t) => [t.name, t]))
  let rank = 0
  let targets = 0
  let layersSpanned = 0
  for (const a of head.tensors) {
    if (!a.name.endsWith('.lora_a')) {
      if (!a.name.endsWith('.lora_b')) throw new WardenError('INVALID_INPUT', `The adapter ${file} has a tensor ${a.name} that is neither a lora_a nor a lora_b`)
      if (!byName.has(a.name.replace(/\.lora_b$/, '.lora_a'))) throw new WardenError('INVALID_INPUT', `The adapter ${file} has ${a.name} without its lora_a`)
      continue
    }
    const weight = a.name.slice(0, -'.lora_a'.length)
    const b = byName.get(`${weight}.lora_b`)
    if (!b) throw new WardenError('INVALID_INPUT', `The adapter ${file} has ${a.name} without its lora_b`)
    if (a.dims.length !== 2 || b.dims.length !== 2 || a.dims[1] !== b.dims[0]) {
      throw new WardenError('INVALID_INPUT', `The adapter ${file} has inconsistent ranks for ${weight}: lora_a is [${a.dims.join(', ')}], lora_b [${b.dims.join(', ')}]`)
    }
    rank = Math.max(rank, a.dims[1])
    targets++
    const layer = /^blk\.(\d+)\./.exec(weight)
    if (layer) layersSpanned = Math.max(layersSpanned, Number(layer[1]) + 1)
  }
  if (targets === 0) throw new WardenError('INVALID_INPUT', `The adapter ${file} adapts no weight (it has no lora_a/lora_b tensors)`)
  return { architecture, alpha: num(meta(head, 'adapter.lora.alpha')), rank, targets, layersSpanned }
}

/**
 * Why the adapter does not fit the base model, or null: the same architecture, no layer past the
 * base's, and for each adapted weight W of dims [n_in, n_out], W in the base with `W.lora_a`
 * [n_in, r] and `W.lora_b` [r, n_out]. llama.cpp would otherwise fail (or crash) when it loads it.
 */
export function loraMisfit(adapter: GgufHead, base: GgufHead): string | null {
  const arch = meta(adapter, 'general.architecture')
  const baseArch = meta(base, 'general.architecture')
  if (arch !== baseArch) return `its architecture is ${JSON.stringify(arch)}, the base model's ${JSON.stringify(baseArch)}`
  const layers = num(meta(base, `${String(baseArch)}.block_count`))
  const baseTensors = new Map(base.tensors.map((t) => [t.name, t]))
  for (const a of adapter.tensors) {
    if (!a.name.endsWith('.lora_a')) continue
    const weight = a.name.slice(0, -'.lora_a'.length)
    const layer = /^blk\.(\d+)\./.exec(weight)
    if (layer && layers !== null && Number(layer[1]) >= layers) return `it adapts ${weight} (layer ${layer[1]}), but the base model has ${layers} layers`
    const w = baseTensors.get(weight)
    if (!w) return `it adapts ${weight}, which the base model does not have`
    const b = adapter.tensors.find((t) => t.name === `${weight}.lora_b`)
    if (a.dims[0] !== w.dims[0] || (b && b.dims[1] !== w.dims[1])) {
      return `tensor ${weight}: the base weight is [${w.dims.join(', ')}], but lora_a is [${a.dims.join(', ')}] and lora_b [${b?.dims.join(', ') ?? '?'}] (they must be [${w.dims[0]}, r] and [r, ${w.dims[1]}])`
    }
  }
  return null
}
