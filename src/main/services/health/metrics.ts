/**
 * The health metrics' definitions, once (docs/health-metrics.md says what each means for a person):
 * Φ, κ_eff, confidence, surprise and agency of a window of generations from the token statistics
 * the worker measures; basin coordinates from the answers' embeddings; Fisher–Rao drift; regime.
 * Pure functions: no clock, no I/O.
 */
import { BASIN_DIMENSIONS, type Regime } from '../../../shared/contract/domains/health'
import type { TokenStats } from '../workers/protocol'

// Per token, the worker measures with these (see worker/tokenStats.ts).
export { ENTROPY_SCALE_CANDIDATES, REPEAT_NGRAM } from '../workers/protocol'
/** The seed of the basin projection: change it and every stored baseline means something else. */
export const BASIN_SEED = 0x5eed_0064

export function emptyTokenStats(): TokenStats {
  return { tokens: 0, normalizedEntropySum: 0, entropyNatsSum: 0, topProbabilitySum: 0, surpriseSum: 0, generatedTokens: 0, repeatedTokens: 0, answers: 0, endedAnswers: 0 }
}

/** The sums of two windows (a new object); a field missing from `b` (an older worker) counts 0. */
export function addTokenStats(a: TokenStats, b: Partial<TokenStats>): TokenStats {
  const out = emptyTokenStats()
  for (const key of Object.keys(out) as Array<keyof TokenStats>) out[key] = a[key] + (b[key] ?? 0)
  return out
}

export interface WindowMetrics {
  /** Φ in [0, 1]: 1 − (1 − share of repeated tokens) · mean normalised entropy. */
  phi: number | null
  /** κ_eff ≥ 1: exp(mean entropy in nats), the effective number of competing tokens. */
  kappa: number | null
  /** Mean probability of the most likely token, in [0, 1]. */
  confidence: number | null
  /** Mean normalised surprisal of the chosen tokens, in [0, 1]. */
  surprise: number | null
  /** Share of answers that ended on their own, in [0, 1]. */
  agency: number | null
}

/** The window's metrics; each is null where the window has nothing to compute it from. */
export function windowMetrics(stats: TokenStats): WindowMetrics {
  const agency = stats.answers > 0 ? clamp01(stats.endedAnswers / stats.answers) : null
  if (stats.tokens <= 0) return { phi: null, kappa: null, confidence: null, surprise: null, agency }
  const n = stats.tokens
  const entropy = clamp01(stats.normalizedEntropySum / n)
  const repeated = stats.generatedTokens > 0 ? clamp01(stats.repeatedTokens / stats.generatedTokens) : 0
  return {
    phi: clamp01(1 - (1 - repeated) * entropy),
    kappa: Math.exp(Math.max(0, stats.entropyNatsSum / n)),
    confidence: clamp01(stats.topProbabilitySum / n),
    surprise: clamp01(stats.surpriseSum / n),
    agency,
  }
}

/** The regime Φ puts a source in, with the thresholds of the settings (healthPhiMin, healthPhiMax). */
export function regimeOf(phi: number | null, thresholds: { phiMin: number; phiMax: number }): Regime {
  if (phi === null || !Number.isFinite(phi)) return 'unknown'
  if (phi < thresholds.phiMin) return 'uncertain'
  if (phi > thresholds.phiMax) return 'breakdown'
  return 'stable'
}

/**
 * The Fisher–Rao distance between two directions, arccos(a · b) for unit vectors, in [0, π]. Each is
 * scaled to unit length first (an external source's coordinates may not be), and the angle is
 * computed as 2·atan2(|a − b|, |a + b|), equal to the arccos but exact near 0 and π, where arccos of
 * a rounded dot product is off by 1e-8 (a source compared with itself would drift).
 */
export function fisherRao(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`Basin coordinates of different lengths (${a.length} and ${b.length}) cannot be compared`)
  const la = lengthOf(a)
  const lb = lengthOf(b)
  if (!(la > 0 && lb > 0) || !Number.isFinite(la + lb)) throw new RangeError('Basin coordinates of length 0 (or not finite) have no direction to compare')
  let difference = 0
  let sum = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] / la
    const y = b[i] / lb
    difference += (x - y) * (x - y)
    sum += (x + y) * (x + y)
  }
  return 2 * Math.atan2(Math.sqrt(difference), Math.sqrt(sum))
}

/**
 * The basin coordinates of a window: the mean of its answers' embeddings (each scaled to unit
 * length, so a long answer weighs as much as a short one), projected to 64 dimensions by the fixed
 * projection of `basinProjection`, scaled to unit length. Null without embeddings or when they
 * cancel out (a zero vector has no direction).
 */
export function basinCoords(embeddings: ReadonlyArray<readonly number[]>): number[] | null {
  const vectors = embeddings.filter((v) => v.length > 0)
  if (!vectors.length) return null
  const d = vectors[0].length
  if (vectors.some((v) => v.length !== d)) throw new RangeError(`Embeddings of different lengths (${d} and ${vectors.find((v) => v.length !== d)?.length}) cannot share a basin`)
  const mean = new Float64Array(d)
  for (const v of vectors) {
    const norm = lengthOf(v)
    if (!(norm > 0) || !Number.isFinite(norm)) continue
    for (let i = 0; i < d; i++) mean[i] += v[i] / norm
  }
  const projection = basinProjection(d)
  const out = new Array<number>(BASIN_DIMENSIONS).fill(0)
  for (let row = 0; row < BASIN_DIMENSIONS; row++) {
    let sum = 0
    const offset = row * d
    for (let i = 0; i < d; i++) sum += projection[offset + i] * mean[i]
    out[row] = sum
  }
  const norm = lengthOf(out)
  if (!(norm > 0) || !Number.isFinite(norm)) return null
  return out.map((x) => x / norm)
}

/**
 * The mean direction of basin vectors already in basin space (an external system's `basin_coords`,
 * a baseline from several snapshots): each scaled to unit length, averaged, scaled to unit length
 * again — no projection. Null when they have no direction (all zero, or they cancel out).
 */
export function meanDirection(vectors: ReadonlyArray<readonly number[]>): number[] | null {
  if (!vectors.length) return null
  const d = vectors[0].length
  const mean = new Array<number>(d).fill(0)
  for (const v of vectors) {
    if (v.length !== d) throw new RangeError(`Basin vectors of different lengths (${d} and ${v.length})`)
    const norm = lengthOf(v)
    if (!(norm > 0) || !Number.isFinite(norm)) continue
    for (let i = 0; i < d; i++) mean[i] += v[i] / norm
  }
  const norm = lengthOf(mean)
  if (!(norm > 1e-12) || !Number.isFinite(norm)) return null
  return mean.map((x) => x / norm)
}

const projections = new Map<number, Float64Array>()

/**
 * The 64×d projection of embeddings of dimension d (row-major), seeded by BASIN_SEED and d and
 * cached per d: the same numbers in every process, on every platform. Its entries are approximately
 * Gaussian (Irwin–Hall: the sum of 12 uniforms, minus 6), computed with additions of exact dyadic
 * numbers only — no Math.log or Math.cos, whose last bits may differ between platforms.
 */
export function basinProjection(d: number): Float64Array {
  if (!Number.isInteger(d) || d <= 0) throw new RangeError(`An embedding dimension must be a positive integer, not ${d}`)
  let matrix = projections.get(d)
  if (!matrix) {
    const next = weylMix32((BASIN_SEED ^ Math.imul(d, 0x9e3779b9)) >>> 0)
    matrix = new Float64Array(BASIN_DIMENSIONS * d)
    // Scaled by 1/√d so that a unit vector projects to about unit length (it is renormalised anyway).
    const scale = 1 / Math.sqrt(d)
    for (let i = 0; i < matrix.length; i++) {
      let sum = 0
      for (let k = 0; k < 12; k++) sum += next() / 4294967296
      matrix[i] = (sum - 6) * scale
    }
    projections.set(d, matrix)
  }
  return matrix
}

/** A 32-bit generator in the manner of SplitMix (a Weyl sequence mixed by MurmurHash3's finaliser): unsigned integers in [0, 2³²), the same on every platform (integer arithmetic only). */
export function weylMix32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

function lengthOf(v: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i]
  return Math.sqrt(sum)
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0
}
