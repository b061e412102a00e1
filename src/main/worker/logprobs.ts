/**
 * Token log probabilities (OpenAI's `logprobs` / `top_logprobs`). LlamaChat does not expose them: they
 * are recorded as the tokens are generated (observeTokens.ts), and each token LlamaChat then returns
 * as part of the answer is matched with what was recorded for it.
 */
import type { LlamaModel, Token } from 'node-llama-cpp'
import type { TokenObserver } from './observeTokens'
import type { TokenLogprob } from '../services/workers/protocol'

interface Recorded {
  token: Token
  probability: number
  top: Array<[Token, number]>
}

/** log(0) is -Infinity, which JSON cannot carry: OpenAI's clients take -9999 as "never". */
const logOf = (p: number) => (p > 0 ? Math.log(p) : -9999)

export class TokenProbabilities implements TokenObserver {
  private readonly recorded: Recorded[] = []

  constructor(
    private readonly model: LlamaModel,
    private readonly top: number,
  ) {}

  // The whole vocabulary's distribution only where alternatives are asked for: the chosen token's
  // probability alone (`confidence`, node-llama-cpp's `probabilities.get(token)`) costs far less.
  get wants() {
    return { confidence: true, distribution: this.top > 0 }
  }

  observe(token: Token, probability: number, distribution: ReadonlyMap<Token, number> | undefined): void {
    const top: Array<[Token, number]> = []
    for (const entry of distribution ?? []) {
      if (top.length >= this.top) break
      top.push(entry)
    }
    this.recorded.push({ token, probability, top })
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
