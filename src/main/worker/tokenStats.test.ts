import { describe, expect, it } from 'vitest'
import type { Token } from 'node-llama-cpp'
import { TokenStatsMeter } from './tokenStats'

/** node-llama-cpp's Token is a branded number. */
const tok = (n: number) => n as Token

const LN64 = Math.log(64)
const uniform = (n: number) => new Map(Array.from({ length: n }, (_, t) => [tok(t), 1 / n] as [Token, number]))
const oneHot = (token: number) => new Map([[tok(token), 1]])

describe('TokenStatsMeter', () => {
  it('measures a uniform distribution over a vocabulary larger than 64 as fully uncertain', () => {
    const meter = new TokenStatsMeter({ vocabularySize: 360, greedy: false })
    expect(meter.wants).toEqual({ confidence: true, distribution: true })
    for (let i = 0; i < 3; i++) meter.observe(tok(i), 1 / 360, uniform(360))
    const s = meter.finish('stop')
    expect(s.tokens).toBe(3)
    expect(s.entropyNatsSum).toBeCloseTo(3 * Math.log(360), 9)
    expect(s.normalizedEntropySum).toBe(3) // clamped at 1 a token
    expect(s.topProbabilitySum).toBeCloseTo(3 / 360, 12)
    expect(s.surpriseSum).toBe(3)
    expect(s).toMatchObject({ generatedTokens: 3, repeatedTokens: 0, answers: 1, endedAnswers: 1 })
  })

  it('measures a spread over 8 tokens as half as uncertain as one over 64 (ln 8 / ln 64)', () => {
    const meter = new TokenStatsMeter({ vocabularySize: 360, greedy: false })
    meter.observe(tok(5), 1 / 8, uniform(8))
    expect(meter.finish('stop').normalizedEntropySum).toBeCloseTo(Math.log(8) / LN64, 12)
  })

  it('counts the tokens of a loop that repeat a 4-gram already generated', () => {
    const meter = new TokenStatsMeter({ vocabularySize: 360, greedy: true })
    const loop = [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]
    for (const t of loop) meter.observe(tok(t), 1, oneHot(t))
    // 4-grams ending at tokens 4…12: 1234 2341 3412 4123, then the same again (5 repeats).
    const s = meter.finish('length')
    expect(s).toMatchObject({ tokens: 12, generatedTokens: 12, repeatedTokens: 5, entropyNatsSum: 0, topProbabilitySum: 12, surpriseSum: 0, answers: 1, endedAnswers: 0 })
  })

  it('under greedy decoding on a large vocabulary asks for nothing, and counts repetition and agency only', () => {
    const meter = new TokenStatsMeter({ vocabularySize: 32_000, greedy: true })
    expect(meter.wants).toEqual({ confidence: false, distribution: false })
    for (const t of [1, 2, 3, 4, 1, 2, 3, 4]) meter.observe(tok(t), Number.NaN, undefined)
    // A distribution another observer (logprobs) asked for is not measured either: the figures stay comparable.
    meter.observe(tok(5), 0.5, uniform(2))
    expect(meter.finish('stop')).toEqual({ tokens: 0, normalizedEntropySum: 0, entropyNatsSum: 0, topProbabilitySum: 0, surpriseSum: 0, generatedTokens: 9, repeatedTokens: 1, answers: 1, endedAnswers: 1 })
  })

  it('leaves a cancelled answer out of agency (the person cut it, not the model)', () => {
    const meter = new TokenStatsMeter({ vocabularySize: 360, greedy: false })
    meter.observe(tok(1), 0.5, new Map([[tok(1), 0.5], [tok(2), 0.5]]))
    expect(meter.finish('cancelled')).toMatchObject({ tokens: 1, answers: 0, endedAnswers: 0 })
  })
})
