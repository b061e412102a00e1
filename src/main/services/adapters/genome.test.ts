import { describe, expect, it } from 'vitest'
import { cosine, selectGenome, type GenomeCandidate } from './genome'

const c = (name: string, similarity: number, baseModel: string | null = 'base'): GenomeCandidate => ({ name, similarity, baseModel })

describe('cosine', () => {
  it('is 1 for the same direction, -1 for opposite, 0 for orthogonal, zero or mismatched vectors', () => {
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1)
    expect(cosine([1, 0], [-3, 0])).toBeCloseTo(-1)
    expect(cosine([1, 0], [0, 5])).toBe(0)
    expect(cosine([0, 0], [1, 1])).toBe(0)
    expect(cosine([1, 2], [1, 2, 3])).toBe(0)
    expect(cosine([], [])).toBe(0)
  })
})

describe('selectGenome', () => {
  const opts = { baseModel: 'base', max: 3, threshold: 0.7 }
  it('takes the most similar compatible adapters at or above the threshold, best first, at most max', () => {
    const got = selectGenome([c('low', 0.69), c('a', 0.8), c('b', 0.95), c('c', 0.7), c('d', 0.75), c('other', 0.99, 'elsewhere'), c('unknown', 0.99, null)], opts)
    expect(got.map((g) => [g.name, g.score])).toEqual([
      ['b', 0.95],
      ['a', 0.8],
      ['d', 0.75],
    ])
    expect(selectGenome([c('c', 0.7)], opts).map((g) => g.name)).toEqual(['c']) // the threshold is inclusive
  })

  it('puts pinned adapters first with their scale, whatever their score, without taking an automatic place', () => {
    const got = selectGenome([c('a', 0.9), c('b', 0.85), c('pin', 0.95), c('d', 0.8)], { ...opts, max: 2, pinned: [{ name: 'pin', scale: 0.5 }, { name: 'nowhere', scale: 1 }] })
    expect(got).toEqual([
      { name: 'pin', score: 0.95, pinned: true, scale: 0.5 },
      { name: 'nowhere', score: null, pinned: true, scale: 1 },
      { name: 'a', score: 0.9, pinned: false, scale: 1 },
      { name: 'b', score: 0.85, pinned: false, scale: 1 },
    ])
  })

  it('breaks ties by name and ignores NaN scores; max 0 chooses only pinned ones', () => {
    expect(selectGenome([c('z', 0.9), c('m', 0.9), c('nan', Number.NaN)], opts).map((g) => g.name)).toEqual(['m', 'z'])
    expect(selectGenome([c('a', 0.99)], { ...opts, max: 0 })).toEqual([])
  })
})
