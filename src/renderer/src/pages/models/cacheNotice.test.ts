import { describe, expect, it } from 'vitest'
import type { ModelCacheState } from '../../../../shared/contract/modelCache'
import { describeOverLimit } from '../../../../shared/modelCacheText'
import { describeEviction, evictionToShow } from './cacheNotice'

const MB = 1024 * 1024
const DAY = 86_400_000
const now = 1_700_000_000_000

const cache: ModelCacheState = {
  limitBytes: 4 * MB,
  usedBytes: 6 * MB,
  overLimit: { limitBytes: 4 * MB, usedBytes: 6 * MB, kept: [{ id: 'alpha', name: 'alpha', size: 3 * MB, reason: 'pinned' }, { id: 'bravo', name: 'bravo', size: 3 * MB, reason: 'loaded' }] },
  lastEviction: { at: now - 60_000, trigger: 'setting', evicted: [{ id: 'charlie', name: 'charlie', path: '/m/charlie.gguf', size: 1.5 * MB, lastUsedAt: now - 3 * DAY, reason: 'least recently used (last used 3 days ago): …' }] },
}

describe('the Models page’s cache notice', () => {
  it('names what was removed, its size, its last use and why, until dismissed', () => {
    const shown = describeEviction(evictionToShow(cache, 0)!, now)
    expect(shown.title).toBe('Removed 1 downloaded model to stay under the cache limit (maxModelCacheSize)')
    expect(shown.items).toEqual([{ id: 'charlie', text: 'charlie · 1.5 MB · last used 3 days ago', reason: cache.lastEviction!.evicted[0].reason }])
    expect(shown.when).toMatch(/^After the limit was lowered, 1 minute ago: the least recently used go first/)
    expect(evictionToShow(cache, cache.lastEviction!.at)).toBeNull()
    expect(evictionToShow({ ...cache, lastEviction: { ...cache.lastEviction!, at: now } }, cache.lastEviction!.at)).not.toBeNull() // a newer one shows again
  })

  it('says what keeps the models over the limit', () => {
    expect(describeOverLimit(cache.overLimit!)).toEqual({
      title: 'Downloaded models take 6.0 MB, more than the 4.0 MB of maxModelCacheSize',
      message: 'alpha is pinned, bravo is loaded, so they stay. Unpin or unload models, or raise the limit.',
    })
  })
})
