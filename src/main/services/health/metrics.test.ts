import { describe, expect, it } from 'vitest'
import { addTokenStats, basinCoords, basinProjection, emptyTokenStats, fisherRao, regimeOf, weylMix32, windowMetrics } from './metrics'
import type { TokenStats } from '../workers/protocol'

const LN64 = Math.log(64)

/** `n` tokens, each with the same entropy (nats), top probability and chosen probability. */
function tokens(n: number, t: { entropy: number; top: number; chosen: number; repeated?: number }): TokenStats {
  return {
    ...emptyTokenStats(),
    tokens: n,
    generatedTokens: n,
    entropyNatsSum: n * t.entropy,
    normalizedEntropySum: n * Math.min(1, t.entropy / LN64),
    topProbabilitySum: n * t.top,
    surpriseSum: n * Math.min(1, -Math.log(t.chosen) / LN64),
    repeatedTokens: t.repeated ?? 0,
  }
}

const thresholds = { phiMin: 0.65, phiMax: 0.85 }

describe('windowMetrics', () => {
  it('reads a uniform distribution over 64 tokens as fully uncertain: Φ 0, κ 64, surprise 1', () => {
    const m = windowMetrics(tokens(10, { entropy: LN64, top: 1 / 64, chosen: 1 / 64 }))
    expect(m.phi).toBeCloseTo(0, 12)
    expect(m.kappa).toBeCloseTo(64, 9)
    expect(m.confidence).toBeCloseTo(1 / 64, 12)
    expect(m.surprise).toBeCloseTo(1, 12)
    expect(regimeOf(m.phi, thresholds)).toBe('uncertain')
  })

  it('reads one-hot distributions (a model that can only say one thing) as breakdown: Φ 1, κ 1', () => {
    const m = windowMetrics(tokens(8, { entropy: 0, top: 1, chosen: 1 }))
    expect(m).toMatchObject({ phi: 1, kappa: 1, confidence: 1, surprise: 0 })
    expect(regimeOf(m.phi, thresholds)).toBe('breakdown')
  })

  it('lifts Φ above the upper threshold when the answer loops, even with spread distributions', () => {
    // Mean normalised entropy 0.5: Φ = 0.5 without repeats; 90 % of tokens repeat a 4-gram: Φ = 1 − 0.1·0.5 = 0.95.
    const spread = { entropy: LN64 / 2, top: 0.3, chosen: 0.3 }
    expect(windowMetrics(tokens(100, spread)).phi).toBeCloseTo(0.5, 12)
    const looping = windowMetrics(tokens(100, { ...spread, repeated: 90 }))
    expect(looping.phi).toBeCloseTo(0.95, 12)
    expect(regimeOf(looping.phi, thresholds)).toBe('breakdown')
  })

  it('puts text with about 1 nat of entropy a token (typical of an instruction-tuned model) in the stable band', () => {
    // ln 64 ≈ 4.159: 1 nat → normalised 0.2404; with 3 % repeated tokens Φ = 1 − 0.97·0.2404 ≈ 0.7668.
    const m = windowMetrics(tokens(100, { entropy: 1, top: 0.6, chosen: 0.5, repeated: 3 }))
    expect(m.phi).toBeCloseTo(1 - 0.97 * (1 / LN64), 12)
    expect(m.kappa).toBeCloseTo(Math.E, 12)
    expect(m.surprise).toBeCloseTo(Math.log(2) / LN64, 12)
    expect(regimeOf(m.phi, thresholds)).toBe('stable')
  })

  it('counts repetition over every generated token, also those whose distribution was not measured', () => {
    // 10 tokens measured (normalised entropy 0.5), 40 generated of which 20 repeat: Φ = 1 − 0.5·0.5.
    const m = windowMetrics({ ...tokens(10, { entropy: LN64 / 2, top: 0.3, chosen: 0.3 }), generatedTokens: 40, repeatedTokens: 20 })
    expect(m.phi).toBeCloseTo(0.75, 12)
    // Greedy on a large vocabulary: generated, none measured: no Φ, but agency.
    expect(windowMetrics({ ...emptyTokenStats(), generatedTokens: 40, repeatedTokens: 20, answers: 1 })).toMatchObject({ phi: null, kappa: null, agency: 0 })
  })

  it('gives agency as the share of answers that ended on their own, and nulls without tokens', () => {
    const m = windowMetrics({ ...emptyTokenStats(), answers: 4, endedAnswers: 3 })
    expect(m).toEqual({ phi: null, kappa: null, confidence: null, surprise: null, agency: 0.75 })
    expect(windowMetrics(emptyTokenStats())).toEqual({ phi: null, kappa: null, confidence: null, surprise: null, agency: null })
  })
})

describe('addTokenStats', () => {
  it('adds every field, so a window of two generations equals their sums', () => {
    const a = { ...tokens(3, { entropy: 1, top: 0.5, chosen: 0.5, repeated: 1 }), answers: 1, endedAnswers: 1 }
    const b = { ...tokens(5, { entropy: 2, top: 0.25, chosen: 0.25 }), answers: 1, endedAnswers: 0 }
    const sum = addTokenStats(a, b)
    const expected: TokenStats = {
      tokens: 8,
      entropyNatsSum: 3 + 10,
      normalizedEntropySum: 3 / LN64 + 10 / LN64,
      topProbabilitySum: 1.5 + 1.25,
      surpriseSum: (3 * Math.log(2) + 5 * Math.log(4)) / LN64,
      generatedTokens: 8,
      repeatedTokens: 1,
      answers: 2,
      endedAnswers: 1,
    }
    for (const key of Object.keys(expected) as Array<keyof TokenStats>) expect(sum[key], key).toBeCloseTo(expected[key], 12)
    expect(Object.keys(sum).sort()).toEqual(Object.keys(expected).sort())
    expect(windowMetrics(sum).kappa).toBeCloseTo(Math.exp(13 / 8), 12)
    expect(a.tokens).toBe(3) // not changed in place
  })

  it('counts a field an older worker did not send as 0', () => {
    const { answers: _a, endedAnswers: _e, ...old } = tokens(2, { entropy: 1, top: 1, chosen: 1 })
    expect(addTokenStats(emptyTokenStats(), old)).toMatchObject({ tokens: 2, answers: 0, endedAnswers: 0 })
  })
})

describe('regimeOf', () => {
  it('keeps the thresholds themselves inside the stable band, and says unknown without Φ', () => {
    expect(regimeOf(0.65, thresholds)).toBe('stable')
    expect(regimeOf(0.85, thresholds)).toBe('stable')
    expect(regimeOf(0.6499, thresholds)).toBe('uncertain')
    expect(regimeOf(0.8501, thresholds)).toBe('breakdown')
    expect(regimeOf(null, thresholds)).toBe('unknown')
    expect(regimeOf(Number.NaN, thresholds)).toBe('unknown')
  })
})

describe('fisherRao', () => {
  const e = (i: number, sign = 1) => Array.from({ length: 64 }, (_, k) => (k === i ? sign : 0))
  it('is 0 between equal vectors, π between opposite ones, π/2 between orthogonal ones', () => {
    const v = basinCoords([[0.3, -1.2, 4, 0.5]])!
    expect(fisherRao(v, v)).toBe(0) // rounding past 1 is clamped, never NaN
    expect(fisherRao(e(0), e(0, -1))).toBeCloseTo(Math.PI, 12)
    expect(fisherRao(e(0), e(1))).toBeCloseTo(Math.PI / 2, 12)
  })
  it('compares directions: a vector not of unit length is scaled first', () => {
    expect(fisherRao([2, 0], [0.5, 0.5])).toBeCloseTo(Math.PI / 4, 12)
    expect(fisherRao([3, 4], [3, 4])).toBe(0)
  })
  it('refuses vectors of different lengths, or without a direction, with a clear error', () => {
    expect(() => fisherRao([1, 0], [1, 0, 0])).toThrow(/different lengths \(2 and 3\)/)
    expect(() => fisherRao([0, 0], [1, 0])).toThrow(/no direction/)
  })
})

describe('basin coordinates', () => {
  it('are a unit 64-vector, the same for the same embeddings and for a scaled copy', () => {
    const embeddings = [[0.1, 0.2, -0.3, 0.4, 0.5, -0.6], [1, 0, 0, 0, 0, 2]]
    const b = basinCoords(embeddings)!
    expect(b).toHaveLength(64)
    expect(Math.hypot(...b)).toBeCloseTo(1, 12)
    expect(basinCoords(embeddings)).toEqual(b)
    // Each answer's embedding is scaled to unit length first: its length says nothing of its meaning.
    expect(basinCoords([embeddings[0].map((x) => x * 7), embeddings[1]])!.map((x) => x.toFixed(12))).toEqual(b.map((x) => x.toFixed(12)))
  })

  it('move away from a baseline when the answers mean something else', () => {
    const base = basinCoords([[1, 0, 0, 0, 0, 0]])!
    const near = basinCoords([[1, 0.1, 0, 0, 0, 0]])!
    const far = basinCoords([[-1, 0, 0, 0, 0, 0]])!
    expect(fisherRao(base, near)).toBeLessThan(0.2)
    expect(fisherRao(base, far)).toBeCloseTo(Math.PI, 9) // a linear projection keeps opposite vectors opposite
  })

  it('are null without embeddings or when they cancel out, and refuse mixed dimensions', () => {
    expect(basinCoords([])).toBeNull()
    expect(basinCoords([[]])).toBeNull()
    expect(basinCoords([[0, 0, 0]])).toBeNull()
    expect(basinCoords([[1, 2], [-1, -2]])).toBeNull()
    expect(() => basinCoords([[1, 2], [1, 2, 3]])).toThrow(/different lengths/)
  })

  it('come from a projection pinned to these numbers in every process and on every platform', () => {
    // Integer arithmetic and exact dyadic sums only: a change here changes every stored baseline.
    expect(Array.from(basinProjection(4).slice(0, 4))).toEqual([-0.39719614724162966, 0.12061517499387264, -0.47144175693392754, -0.2222651937045157])
    const next = weylMix32(1)
    expect([next(), next(), next()]).toEqual([2527132011, 314344336, 2535364964])
    expect(basinProjection(4)).toBe(basinProjection(4)) // cached per dimension
    expect(basinProjection(5)[0]).not.toBe(basinProjection(4)[0])
    expect(() => basinProjection(0)).toThrow(/positive integer/)
  })

  it('project a unit vector to about unit length (entries of variance 1/d)', () => {
    const d = 768
    let sum = 0
    for (const x of basinProjection(d)) sum += x * x
    expect(sum / (64 * d)).toBeGreaterThan(0.9 / d)
    expect(sum / (64 * d)).toBeLessThan(1.1 / d)
  })
})
