import { describe, expect, it } from 'vitest'
import type { Patch } from '../../../../shared/contract/domains/healing'
import { diffLines, filterChoices, filterPatches, fitnessSegments, timeAgo, timeFromNow } from './healingView'

const patch = (id: string, createdAt: number, source: string, strategy: Patch['strategy']) => ({ id, createdAt, source, strategy }) as Patch

describe('the Healing page’s views', () => {
  it('splits fitness into four segments as wide as what each adds to the score', () => {
    const segs = fitnessSegments({ score: 0.74, parts: { phi: 1, basin: 0.5, errors: 0.8, quality: 1.2 }, recommendation: 'apply' })
    expect(segs.map((s) => [s.key, s.weight, s.value])).toEqual([
      ['phi', 0.4, 1],
      ['basin', 0.3, 0.5],
      ['errors', 0.2, 0.8],
      ['quality', 0.1, 1],
    ])
    expect(segs.map((s) => s.contribution)).toEqual([0.4, 0.15, 0.16000000000000003, 0.1])
  })

  it('colours a unified diff by line: headers, hunks, additions, removals, context', () => {
    const kinds = diffLines('--- a/index.js\n+++ b/index.js\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n').map((l) => l.kind)
    expect(kinds).toEqual(['file', 'file', 'hunk', 'context', 'del', 'add'])
  })

  it('filters the queue by source and strategy, newest first, and offers only what is there', () => {
    const all = [patch('a', 1, 'persona:Ada', 'phi-recovery'), patch('b', 3, 'hello', 'manual'), patch('c', 2, 'persona:Ada', 'basin-drift')]
    expect(filterPatches(all, { source: null, strategy: null }).map((p) => p.id)).toEqual(['b', 'c', 'a'])
    expect(filterPatches(all, { source: 'persona:Ada', strategy: null }).map((p) => p.id)).toEqual(['c', 'a'])
    expect(filterPatches(all, { source: 'persona:Ada', strategy: 'phi-recovery' }).map((p) => p.id)).toEqual(['a'])
    expect(filterChoices(all)).toEqual({ sources: ['hello', 'persona:Ada'], strategies: ['basin-drift', 'manual', 'phi-recovery'] })
  })

  it('says when, relative to now', () => {
    expect(timeAgo(1000, 1000)).toBe('just now')
    expect(timeAgo(5000, 1000)).toBe('just now') // a moment after the page's clock last ticked
    expect(timeAgo(1000, 1000 + 3 * 3_600_000)).toBe('3 h ago')
    expect(timeAgo(1000, 1000 + 5 * 60_000)).toBe('5 min ago')
    expect(timeFromNow(1000 + 5 * 60_000, 1000)).toBe('in 5 min')
    expect(timeFromNow(1000 + 20_000, 1000)).toBe('within a minute')
  })
})
