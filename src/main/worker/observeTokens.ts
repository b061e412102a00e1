/**
 * Token metadata of a generation: LlamaChat and LlamaCompletion generate through their sequence's
 * `evaluate`, which is node-llama-cpp's `evaluateWithMetadata` without metadata. For one generation
 * the sequence's `evaluate` is replaced by one that asks for the chosen token's probability
 * (`confidence`) and, where asked, the whole distribution after the request's sampling options and
 * grammar (`probabilities`), and hands each generated token to the observers.
 */
import type { LlamaContextSequence, Token } from 'node-llama-cpp'

export interface TokenObserver {
  /**
   * What to ask node-llama-cpp for each token: the chosen token's probability (`confidence`; it sorts
   * the sampler's candidates for it: the whole vocabulary under greedy decoding), the whole
   * distribution (`distribution`: a Map sorted from the likeliest token), or neither (free).
   */
  readonly wants: { confidence: boolean; distribution: boolean }
  /** `probability` is NaN when no observer asked for it. */
  observe(token: Token, probability: number, distribution: ReadonlyMap<Token, number> | undefined): void
}

/** Hand every token `sequence` generates to `observers` until the returned function is called. */
export function observeTokens(sequence: LlamaContextSequence, observers: TokenObserver[]): () => void {
  if (!observers.length) return () => {}
  const probabilities = observers.some((o) => o.wants.distribution)
  const confidence = probabilities || observers.some((o) => o.wants.confidence)
  const original = Object.getOwnPropertyDescriptor(sequence, 'evaluate')
  const evaluate: LlamaContextSequence['evaluate'] = async function* (tokens, options) {
    const iterator = sequence.evaluateWithMetadata(tokens, { probabilities, confidence }, options)
    let input: Token | Token[] | void = undefined
    try {
      for (;;) {
        const { value, done } = await iterator.next(input)
        if (done) return
        const distribution = (value as { probabilities?: Map<Token, number> }).probabilities
        const probability = (value as { confidence?: number }).confidence ?? Number.NaN
        for (const observer of observers) observer.observe(value.token, probability, distribution)
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
