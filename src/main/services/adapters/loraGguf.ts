import { WardenError } from '../../../shared/errors'
import { openRegularFile } from '../fs/regularFile'

/** One tensor of a GGUF header: its name, dims (ggml order: [n_in, n_out] for a linear weight), type, and where its data ends. */
export interface TensorHead {
  name: string
  dims: number[]
  ggmlType: number
}

export interface GgufHead {
  /** Scalar and string metadata by full key (`general.type`); arrays are skipped. */
  metadata: Map<string, string | number | boolean>
  tensors: TensorHead[]
  fileSize: number
}

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

/** Bytes per block and elements per block of the ggml types an adapter usually has; others are not size-checked. */
const typeSizes: Record<number, [bytes: number, elements: number]> = {
  0: [4, 1], // F32
  1: [2, 1], // F16
  2: [18, 32], // Q4_0
  3: [20, 32], // Q4_1
  6: [22, 32], // Q5_0
  7: [24, 32], // Q5_1
  8: [34, 32], // Q8_0
  30: [2, 1], // BF16
}

/** The most of a file read for its header (a big model's tokenizer takes a few MB). */
const MAX_HEADER = 64 * 1024 * 1024

class Corrupt extends Error {}

/** A bounded reader of a GGUF header: every length is checked against the bytes there are, so a corrupt file fails at once. */
class HeaderReader {
  at = 0
  constructor(private readonly buf: Buffer, private readonly whole: boolean) {}
  need(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0 || this.at + n > this.buf.length) {
      throw new Corrupt(this.whole ? 'the header runs past the end of the file (truncated or corrupt)' : `the header is larger than ${MAX_HEADER / 1024 / 1024} MB (corrupt?)`)
    }
  }
  u32(): number { this.need(4); const v = this.buf.readUInt32LE(this.at); this.at += 4; return v }
  u64(): number {
    this.need(8)
    const v = this.buf.readBigUInt64LE(this.at)
    this.at += 8
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Corrupt(`a count or size of ${v} is impossible (corrupt header)`)
    return Number(v)
  }
  str(): string { const n = this.u64(); this.need(n); const v = this.buf.toString('utf8', this.at, this.at + n); this.at += n; return v }
  skip(n: number): void { this.need(n); this.at += n }
  value(type: number): string | number | boolean | null {
    switch (type) {
      case 0: this.need(1); return this.buf.readUInt8(this.at++)
      case 1: this.need(1); return this.buf.readInt8(this.at++)
      case 2: { this.need(2); const v = this.buf.readUInt16LE(this.at); this.at += 2; return v }
      case 3: { this.need(2); const v = this.buf.readInt16LE(this.at); this.at += 2; return v }
      case 4: return this.u32()
      case 5: { this.need(4); const v = this.buf.readInt32LE(this.at); this.at += 4; return v }
      case 6: { this.need(4); const v = this.buf.readFloatLE(this.at); this.at += 4; return v }
      case 7: this.need(1); return this.buf.readUInt8(this.at++) !== 0
      case 8: return this.str()
      case 9: {
        const itemType = this.u32()
        const count = this.u64()
        const width: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 }
        if (width[itemType] !== undefined) this.skip(count * width[itemType])
        else if (itemType === 8) for (let i = 0; i < count; i++) this.str()
        else throw new Corrupt(`an array of value type ${itemType} (corrupt header)`)
        return null
      }
      case 10: return this.u64()
      case 11: { this.need(8); const v = Number(this.buf.readBigInt64LE(this.at)); this.at += 8; return v }
      case 12: { this.need(8); const v = this.buf.readDoubleLE(this.at); this.at += 8; return v }
      default: throw new Corrupt(`a value of unknown type ${type} (corrupt header)`)
    }
  }
}

function parseHead(buf: Buffer, fileSize: number): GgufHead {
  const r = new HeaderReader(buf, buf.length === fileSize)
  r.need(4)
  if (buf.toString('latin1', 0, 4) !== 'GGUF') throw new Corrupt('it does not start with "GGUF"')
  r.skip(4)
  const version = r.u32()
  if (version !== 2 && version !== 3) throw new Corrupt(`GGUF version ${version} is not one llama.cpp reads (2 or 3)`)
  const tensorCount = r.u64()
  const kvCount = r.u64()
  // Each KV takes at least 12 bytes and each tensor info 24: more than the file holds is corruption, found before any loop.
  if (kvCount * 12 + tensorCount * 24 > fileSize) throw new Corrupt(`${kvCount} metadata entries and ${tensorCount} tensors cannot fit in ${fileSize} bytes (corrupt header)`)
  const metadata = new Map<string, string | number | boolean>()
  for (let i = 0; i < kvCount; i++) {
    const key = r.str()
    const v = r.value(r.u32())
    if (v !== null) metadata.set(key, v)
  }
  const raw: Array<{ name: string; dims: number[]; ggmlType: number; offset: number }> = []
  for (let i = 0; i < tensorCount; i++) {
    const name = r.str()
    const nDims = r.u32()
    if (nDims > 8) throw new Corrupt(`tensor ${name} has ${nDims} dimensions (corrupt header)`)
    const dims = Array.from({ length: nDims }, () => r.u64())
    raw.push({ name, dims, ggmlType: r.u32(), offset: r.u64() })
  }
  const alignment = Number(metadata.get('general.alignment') ?? 32) || 32
  const dataStart = Math.ceil(r.at / alignment) * alignment
  const tensors: TensorHead[] = []
  for (const t of raw) {
    const size = typeSizes[t.ggmlType]
    if (size) {
      const elements = t.dims.reduce((p, d) => p * d, 1)
      const end = dataStart + t.offset + Math.ceil(elements / size[1]) * size[0]
      if (end > fileSize) throw new Corrupt(`it is truncated: the data of tensor ${t.name} ends at byte ${end}, but the file has ${fileSize} bytes`)
    }
    tensors.push({ name: t.name, dims: t.dims, ggmlType: t.ggmlType })
  }
  return { metadata, tensors, fileSize }
}

/**
 * A GGUF's metadata and tensor infos, read by a bounded parser of its own (node-llama-cpp's reader
 * does not return on some corrupt headers); a file whose tensor data is cut short is refused.
 */
export async function readGgufHead(file: string, what: string): Promise<GgufHead> {
  const handle = await openRegularFile(file, what.toLowerCase().replace(/^the /, ''), 'a GGUF file')
  try {
    const fileSize = (await handle.stat()).size
    const buf = Buffer.alloc(Math.min(fileSize, MAX_HEADER))
    for (let at = 0; at < buf.length; ) {
      const { bytesRead } = await handle.read(buf, at, buf.length - at, at)
      if (bytesRead === 0) break
      at += bytesRead
    }
    return parseHead(buf, fileSize)
  } catch (error) {
    if (!(error instanceof Corrupt)) throw error
    const message = error.message.startsWith('it is truncated') ? `${what} ${file} ${error.message.replace(/^it /, '')}` : `${what} ${file} is not a readable GGUF file: ${error.message}`
    throw new WardenError('INVALID_INPUT', message, {
      hint: 'A LoRA adapter is a GGUF file (llama.cpp’s format, e.g. from convert_lora_to_gguf.py). Copy or download the file again if it was cut short.',
    })
  } finally {
    await handle.close()
  }
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
