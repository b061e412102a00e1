import { describe, expect, it } from 'vitest'
import type { GenerationResult } from '../../shared/contract/inference'
import { chatFooter } from './format'

const result: GenerationResult = { text: 'hi', tokens: 8, promptTokens: 500, evaluatedTokens: 40, leftOutMessages: 0, tokensPerSecond: 900, durationMs: 120, waitedMs: 0, modelId: 'tiny', finishReason: 'stop', installed: false, loaded: false, evicted: [] }

describe('the line under a streamed answer', () => {
  it('says when earlier messages no longer fit the persona’s context', () => {
    expect(chatFooter(result)).not.toContain('Earlier messages')
    expect(chatFooter({ ...result, leftOutMessages: 34 })).toBe('— 8 tokens · 900 tok/s · 0.12 s · Earlier messages no longer fit the context: the oldest 34 were left out')
  })

  it('names the adapters an answer used, with their similarity (or pinned) and scale', () => {
    const genome = { mode: 'auto' as const, embeddingModel: 'tiny', adapters: [{ name: 'a', score: 0.834, scale: 1, pinned: false }, { name: 'b', score: 0.77, scale: 1, pinned: false }] }
    expect(chatFooter({ ...result, genome })).toBe('— 8 tokens · 900 tok/s · 0.12 s · Genome: a + b (0.83, 0.77)')
    const fixed = { mode: 'fixed' as const, embeddingModel: null, adapters: [{ name: 'poet', score: null, scale: 0.5, pinned: true }] }
    expect(chatFooter({ ...result, genome: fixed })).toContain('Genome: poet (pinned ×0.5)')
    expect(chatFooter({ ...result, genome: { ...genome, adapters: [] } })).toContain('Genome: none (no adapter close enough)')
  })

  it('says when the persona’s context came back from a checkpoint after its worker crashed', () => {
    const crashRecovery = { checkpoint: '20261202-054833545-5f8ffe', label: 'mid-story', createdAt: 0, tokens: 1338 }
    expect(chatFooter({ ...result, crashRecovery })).toBe('— 8 tokens · 900 tok/s · 0.12 s · crash-recovery: its worker crashed; resumed from checkpoint “mid-story” 20261202-054833545-5f8ffe (1,338 tokens restored)')
    expect(chatFooter({ ...result, crashRecovery: { ...crashRecovery, label: null } })).toContain('resumed from checkpoint 20261202-054833545-5f8ffe (1,338')
  })
})
