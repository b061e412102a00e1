import { describe, expect, it } from 'vitest'
import { planEviction, type CacheEntry } from './planEviction'

const MB = 1024 * 1024
const entry = (id: string, sizeMb: number, lastUsedAt: number | null, keep: CacheEntry['keep'] = null): CacheEntry => ({ id, name: id, path: `/models/${id}.gguf`, size: sizeMb * MB, lastUsedAt, keep })

describe('planEviction', () => {
  it('removes nothing within the limit', () => {
    const plan = planEviction([entry('a', 1, 1), entry('b', 1, 2)], 2 * MB)
    expect(plan).toMatchObject({ evict: [], usedBytesAfter: 2 * MB, overLimitKept: null })
  })

  it('removes the least recently used first, and no more than needed', () => {
    const plan = planEviction([entry('new', 2, 300), entry('old', 2, 100), entry('mid', 2, 200)], 4 * MB)
    expect(plan.evict.map((e) => e.id)).toEqual(['old'])
    expect(plan.usedBytesAfter).toBe(4 * MB)
    expect(planEviction([entry('new', 2, 300), entry('old', 2, 100), entry('mid', 2, 200)], 1 * MB).evict.map((e) => e.id)).toEqual(['old', 'mid', 'new'])
  })

  it('takes a model never seen used first, and on equal last use the larger one', () => {
    const plan = planEviction([entry('small', 1, 100), entry('big', 3, 100), entry('unknown', 1, null)], 4 * MB)
    expect(plan.evict.map((e) => e.id)).toEqual(['unknown'])
    expect(planEviction([entry('small', 1, 100), entry('big', 3, 100)], 2 * MB).evict.map((e) => e.id)).toEqual(['big'])
  })

  it('never removes a model with a reason to stay, and says which stay when still over', () => {
    const plan = planEviction([entry('pinned', 3, 1, 'pinned'), entry('loaded', 3, 2, 'loaded'), entry('idle', 1, 3), entry('fresh', 2, 4, 'just installed')], 4 * MB)
    expect(plan.evict.map((e) => e.id)).toEqual(['idle'])
    expect(plan.usedBytesAfter).toBe(8 * MB)
    expect(plan.overLimitKept!.map((e) => [e.id, e.keep])).toEqual([
      ['pinned', 'pinned'],
      ['loaded', 'loaded'],
      ['fresh', 'just installed'],
    ])
  })
})
