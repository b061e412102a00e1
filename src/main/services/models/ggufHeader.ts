/** A bounded reader of GGUF headers (metadata and tensor infos), safe on corrupt and truncated files. */
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
  u32(): number {
    this.need(4)
    const v = this.buf.readUInt32LE(this.at)
    this.at += 4
    return v
  }
  u64(): number {
    this.need(8)
    const v = this.buf.readBigUInt64LE(this.at)
    this.at += 8
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Corrupt(`a count or size of ${v} is impossible (corrupt header)`)
    return Number(v)
  }
  str(): string {
    const n = this.u64()
    this.need(n)
    const v = this.buf.toString('utf8', this.at, this.at + n)
    this.at += n
    return v
  }
  skip(n: number): void {
    this.need(n)
    this.at += n
  }
  /** A number of `width` bytes read by `read` at the current place. */
  private fixed<T>(width: number, read: (at: number) => T): T {
    this.need(width)
    const v = read(this.at)
    this.at += width
    return v
  }
  value(type: number): string | number | boolean | null {
    const b = this.buf
    switch (type) {
      case 0: return this.fixed(1, (at) => b.readUInt8(at))
      case 1: return this.fixed(1, (at) => b.readInt8(at))
      case 2: return this.fixed(2, (at) => b.readUInt16LE(at))
      case 3: return this.fixed(2, (at) => b.readInt16LE(at))
      case 4: return this.u32()
      case 5: return this.fixed(4, (at) => b.readInt32LE(at))
      case 6: return this.fixed(4, (at) => b.readFloatLE(at))
      case 7: return this.fixed(1, (at) => b.readUInt8(at) !== 0)
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
      case 11: return this.fixed(8, (at) => Number(b.readBigInt64LE(at)))
      case 12: return this.fixed(8, (at) => b.readDoubleLE(at))
      default: throw new Corrupt(`a value of unknown type ${type} (corrupt header)`)
    }
  }
}

function parseHead(buf: Buffer, fileSize: number, checkData: boolean): GgufHead {
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
  const alignment = Number(metadata.get('general.alignment') ?? 32)
  if (!Number.isInteger(alignment) || alignment < 1 || alignment > 1 << 20 || (alignment & (alignment - 1)) !== 0) throw new Corrupt(`general.alignment ${alignment} is not a power of two`)
  const dataStart = Math.ceil(r.at / alignment) * alignment
  const tensors: TensorHead[] = []
  for (const t of raw) {
    const size = typeSizes[t.ggmlType]
    if (size && checkData) {
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
 * does not return on some corrupt headers); with `checkData` (the default), a file whose tensor
 * data is cut short is refused too.
 */
export async function readGgufHead(file: string, what: string, options: { checkData?: boolean } = {}): Promise<GgufHead> {
  const handle = await openRegularFile(file, what.toLowerCase().replace(/^the /, ''), 'a GGUF file')
  try {
    const fileSize = (await handle.stat()).size
    const buf = Buffer.alloc(Math.min(fileSize, MAX_HEADER))
    for (let at = 0; at < buf.length; ) {
      const { bytesRead } = await handle.read(buf, at, buf.length - at, at)
      if (bytesRead === 0) break
      at += bytesRead
    }
    return parseHead(buf, fileSize, options.checkData ?? true)
  } catch (error) {
    if (!(error instanceof Corrupt)) throw error
    const message = error.message.startsWith('it is truncated') ? `${what} ${file} ${error.message.replace(/^it /, '')}` : `${what} ${file} is not a readable GGUF file: ${error.message}`
    throw new WardenError('INVALID_INPUT', message, {
      hint: 'Warden reads GGUF files (llama.cpp’s format; a LoRA adapter is converted with convert_lora_to_gguf.py). Copy or download the file again if it was cut short.',
    })
  } finally {
    await handle.close()
  }
}

