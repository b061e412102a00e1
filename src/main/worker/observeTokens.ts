/**
 * Token metadata of a generation: LlamaChat and LlamaCompletion generate through their sequence's
 * `evaluate`, which is node-llama-cpp's `evaluateWithMetadata` without metadata. For one generation
 * the sequence's `evaluate` is replaced by one that asks for the chosen token's probability
 * (`confidence`) and, where asked, the whole distribution after the request's sampling options and
 * grammar (`probabilities`), and hands each generated token to the observers.
 */
import type { LlamaContextSequence, Token } from 'node-llama-cpp'

export interface TokenObserver {
  /** Ask node-llama-cpp for the whole distribution (a Map sorted from the likeliest token) for the next token. */
  wantsDistribution(): boolean
  observe(token: Token, probability: number, distribution: ReadonlyMap<Token, number> | undefined): void
}

/** Hand every token `sequence` generates to `observers` until the returned function is called. */
export function observeTokens(sequence: LlamaContextSequence, observers: TokenObserver[]): () => void {
  if (!observers.length) return () => {}
  const distribution = observers.some((o) => o.wantsDistribution())
  const original = Object.getOwnPropertyDescriptor(sequence, 'evaluate')
  const evaluate: LlamaContextSequence['evaluate'] = async function* (tokens, options) {
    const iterator = sequence.evaluateWithMetadata(tokens, { probabilities: distribution, confidence: true }, options)
    let input: Token | Token[] | void = undefined
    try {
      for (;;) {
        const { value, done } = await iterator.next(input)
        if (done) return
        const probabilities = (value as { probabilities?: Map<Token, number> }).probabilities
        for (const observer of observers) observer.observe(value.token, value.confidence, probabilities)
        input = yield value.token
      }
    } finally {
      await iterator.return()
    }
  }
  Object.defineProperty(sequence, 'evaluate', { value: evaluate, configurable: true, writable: true })
  return () => {
    if (original) Object.defineProperty(sequence, 'evaluate', original)
    else delete (sequence as unknown as Record<string, unknown>).evaluate
  }
}
