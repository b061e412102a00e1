/**
 * Token log probabilities (OpenAI's `logprobs` / `top_logprobs`). LlamaChat does not expose them, but
 * it generates through its sequence's `evaluate`, which is node-llama-cpp's `evaluateWithMetadata`
 * without metadata: for one generation the sequence's `evaluate` is replaced by one that asks for the
 * probabilities (the distribution after the request's sampling options and grammar), and each token
 * LlamaChat then returns as part of the answer is matched with what was recorded for it.
 */
import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp'
import type { TokenLogprob } from '../services/workers/protocol'

interface Recorded {
  token: Token
  probability: number
  top: Array<[Token, number]>
}

/** log(0) is -Infinity, which JSON cannot carry: OpenAI's clients take -9999 as "never". */
const logOf = (p: number) => (p > 0 ? Math.log(p) : -9999)

export class TokenProbabilities {
  private readonly recorded: Recorded[] = []

  constructor(
    private readonly model: LlamaModel,
    private readonly top: number,
  ) {}

  /** Record every token `sequence` generates until `restore()` is called. */
  attach(sequence: LlamaContextSequence): () => void {
    const recorded = this.recorded
    const top = this.top
    const original = Object.getOwnPropertyDescriptor(sequence, 'evaluate')
    const evaluate: LlamaContextSequence['evaluate'] = async function* (tokens, options) {
      // The whole vocabulary's distribution only where alternatives are asked for: the chosen token's
      // probability alone (`confidence`, node-llama-cpp's `probabilities.get(token)`) costs far less.
      const iterator = sequence.evaluateWithMetadata(tokens, { probabilities: top > 0, confidence: true }, options)
      let input: Token | Token[] | void = undefined
      try {
        for (;;) {
          const { value, done } = await iterator.next(input)
          if (done) return
          const topTokens: Array<[Token, number]> = []
          for (const entry of (value as { probabilities?: Map<Token, number> }).probabilities ?? []) {
            if (topTokens.length >= top) break
            topTokens.push(entry)
          }
          recorded.push({ token: value.token, probability: value.confidence, top: topTokens })
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

  /**
   * The entries of `tokens`, the next tokens of the answer: each is matched with the first recorded
   * token like it (tokens LlamaChat generated but left out of the answer, such as a stop text, are skipped).
   */
  take(tokens: readonly Token[]): TokenLogprob[] {
    const out: TokenLogprob[] = []
    for (const token of tokens) {
      const at = this.recorded.findIndex((r) => r.token === token)
      const r = at >= 0 ? this.recorded.splice(0, at + 1)[at] : { token, probability: 0, top: [] }
      out.push({ ...this.describe(r.token), logprob: logOf(r.probability), top: r.top.map(([t, p]) => ({ ...this.describe(t), logprob: logOf(p) })) })
    }
    return out
  }

  /** node-llama-cpp gives a token's text, not its bytes: a token holding part of a character shows as U+FFFD (its bytes: those of U+FFFD). */
  private describe(token: Token): { token: string; bytes: number[] } {
    const text = this.model.detokenize([token], true)
    return { token: text, bytes: [...Buffer.from(text, 'utf8')] }
  }
}
