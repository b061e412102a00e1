import { describe, expect, it } from 'vitest'
import type { GenerationResult } from '../../lib/types'
import { replyGenome, replyNotes, replyStats } from './replyFooter'

const base: GenerationResult = {
  text: 'hi',
  tokens: 42,
  promptTokens: 12,
  evaluatedTokens: 12,
  leftOutMessages: 0,
  tokensPerSecond: 1240.2,
  durationMs: 340,
  waitedMs: 0,
  modelId: 'tiny',
  finishReason: 'stop',
  installed: false,
  loaded: false,
  evicted: [],
}

describe('reply footer', () => {
  it('counts tokens and speed', () => {
    expect(replyStats(base)).toBe('42 tokens · 1,240 tok/s · 0.3 s')
    expect(replyNotes(base)).toEqual([])
  })

  it('says when the context came back from a checkpoint after a worker crash', () => {
    expect(replyNotes({ ...base, crashRecovery: { checkpoint: 'c1', label: null, createdAt: 0, tokens: 338 } })).toEqual(['crash-recovery: its worker crashed; resumed from checkpoint c1 (338 tokens restored)'])
  })

  it('says what the host had to do first', () => {
    expect(replyNotes({ ...base, installed: true, loaded: true, evicted: ['big-model'], waitedMs: 1500 })).toEqual([
      'installed the model',
      'loaded the model (paged out big-model)',
      'waited 1.5 s',
    ])
    expect(replyNotes({ ...base, loaded: true })).toEqual(['loaded the model'])
    expect(replyNotes({ ...base, finishReason: 'length' })).toEqual(['stopped at the token limit'])
  })

  it('says when earlier messages no longer fit the context', () => {
    expect(replyNotes({ ...base, leftOutMessages: 12 })).toEqual(['Earlier messages no longer fit the context: the oldest 12 were left out'])
    expect(replyNotes({ ...base, leftOutMessages: 1 })).toEqual(['Earlier messages no longer fit the context: the oldest one was left out'])
  })

  it('names the genome a reply was generated with, and why each adapter', () => {
    expect(replyGenome(base)).toBeNull()
    expect(replyGenome({ genome: { mode: 'auto', embeddingModel: 'e', adapters: [] } })).toBe('Genome: none (no adapter close enough)')
    const adapters = [
      { name: 'typescript-expert', scale: 1, score: 0.834, pinned: false },
      { name: 'code-review', scale: 0.5, score: null, pinned: true },
    ]
    expect(replyGenome({ genome: { mode: 'auto', embeddingModel: 'e', adapters } })).toBe('Genome: typescript-expert + code-review (0.83, pinned ×0.5)')
  })
})
