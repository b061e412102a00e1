/**
 * Seeded random weights: the same seed and tensor name give the same values, on every machine, so
 * tiny models and adapters are byte-identical for the same options.
 */

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
export function randomMatrix(seed: number, name: string, nIn: number, nOut: number, std: number, realIn = nIn, realOut = nOut): Float32Array {
  const data = new Float32Array(nIn * nOut)
  const next = normals(seed, name)
  for (let row = 0; row < realOut; row++) {
    for (let col = 0; col < realIn; col++) data[row * nIn + col] = next() * std
  }
  return data
}
