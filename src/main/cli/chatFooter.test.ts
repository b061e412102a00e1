import { describe, expect, it } from 'vitest'
import type { GenerationResult } from '../../shared/contract/inference'
import { chatFooter } from './format'

const result: GenerationResult = { text: 'hi', tokens: 8, promptTokens: 500, evaluatedTokens: 40, leftOutMessages: 0, tokensPerSecond: 900, durationMs: 120, waitedMs: 0, modelId: 'tiny', finishReason: 'stop', installed: false, loaded: false, evicted: [] }

describe('the line under a streamed answer', () => {
  it('says when earlier messages no longer fit the persona’s context', () => {
    expect(chatFooter(result)).not.toContain('Earlier messages')
    expect(chatFooter({ ...result, leftOutMessages: 34 })).toBe('— 8 tokens · 900 tok/s · 0.12 s · Earlier messages no longer fit the context: the oldest 34 were left out')
  })
})
