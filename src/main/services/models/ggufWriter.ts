/**
 * A small GGUF v3 writer: metadata (scalars and arrays) and F32/F16 tensors, laid out as llama.cpp
 * reads them. Facts about the format that llama.cpp accepts are in shared/notes/gguf-fixtures.md.
 * Node built-ins only (Buffer), so scripts can use it without node-llama-cpp.
 */

/** Every tensor's data starts at a multiple of this (written as `general.alignment`). */
export const ALIGNMENT = 32

/** GGUF metadata value types (gguf.h `gguf_type`). */
enum KvType {
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
export enum GgmlType {
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
export class GgufWriter {
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
