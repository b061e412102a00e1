/**
 * The token statistics of one generation (protocol `TokenStats`, definitions in
 * docs/health-metrics.md), measured as the tokens are generated: a few additions per token.
 */
import type { LlamaModel, Token } from 'node-llama-cpp'
import { ENTROPY_SCALE_CANDIDATES, REPEAT_NGRAM, type GenerateResult, type TokenStats } from '../services/workers/protocol'
import type { TokenObserver } from './observeTokens'

/**
 * Largest vocabulary whose distribution is measured under greedy decoding. node-llama-cpp hands the
 * distribution over as a JS Map: ≤ 40 candidates when sampling (its top-k), the whole vocabulary
 * when greedy — 32k–150k entries a token on real models: 3.4 ms a token at 32k. Even the chosen
 * token's probability alone makes it sort the whole vocabulary each token (14 % of the throughput at
 * 32k): above this size, greedy generations are measured for repetition and agency only.
 */
export const MAX_DISTRIBUTION = 1024

/** The model's vocabulary size from its GGUF metadata; Infinity when it does not say (the distribution is then not read under greedy decoding). */
export function vocabularySizeOf(model: LlamaModel): number {
  type Metadata = { general?: { architecture?: string }; tokenizer?: { ggml?: { tokens?: unknown } } } & Record<string, { vocab_size?: unknown } | undefined>
  const metadata = model.fileInfo.metadata as unknown as Metadata
  const architecture = metadata.general?.architecture
  const declared = architecture ? metadata[architecture]?.vocab_size : undefined
  if (typeof declared === 'number' && declared > 0) return declared
  const tokens = metadata.tokenizer?.ggml?.tokens
  return Array.isArray(tokens) && tokens.length > 0 ? tokens.length : Infinity
}

const LN_SCALE = Math.log(ENTROPY_SCALE_CANDIDATES)

export class TokenStatsMeter implements TokenObserver {
  readonly stats: TokenStats = { tokens: 0, normalizedEntropySum: 0, entropyNatsSum: 0, topProbabilitySum: 0, surpriseSum: 0, generatedTokens: 0, repeatedTokens: 0, answers: 0, endedAnswers: 0 }
  private readonly recent: Token[] = []
  private readonly seen = new Set<string>()
  readonly wants: { confidence: boolean; distribution: boolean }

  /** `greedy`: temperature 0 (the chosen token is the likeliest). */
  constructor(options: { vocabularySize: number; greedy: boolean }) {
    const measured = !options.greedy || options.vocabularySize <= MAX_DISTRIBUTION
    this.wants = { confidence: measured, distribution: measured }
  }

  observe(token: Token, probability: number, distribution: ReadonlyMap<Token, number> | undefined): void {
    const s = this.stats
    s.generatedTokens++
    if (this.repeats(token)) s.repeatedTokens++
    // Another observer may have asked for the distribution: this one measures only what it asked for.
    if (!this.wants.distribution || !distribution?.size) return
    let entropy = 0
    let top = 0
    for (const p of distribution.values()) {
      if (p > 0) entropy -= p * Math.log(p)
      if (p > top) top = p
    }
    s.tokens++
    s.entropyNatsSum += entropy
    s.normalizedEntropySum += Math.min(1, entropy / LN_SCALE)
    s.topProbabilitySum += top
    s.surpriseSum += probability > 0 ? Math.min(1, -Math.log(probability) / LN_SCALE) : 1
  }

  /** The stats of the finished generation: an answer cut by a cancel says nothing of the model and is not counted for agency. */
  finish(finishReason: GenerateResult['finishReason']): TokenStats {
    if (finishReason !== 'cancelled') {
      this.stats.answers++
      if (finishReason !== 'length') this.stats.endedAnswers++
    }
    return { ...this.stats }
  }

  /** Whether `token` ends an n-gram already generated in this answer. */
  private repeats(token: Token): boolean {
    const recent = this.recent
    recent.push(token)
    if (recent.length > REPEAT_NGRAM) recent.shift()
    if (recent.length < REPEAT_NGRAM) return false
    const key = recent.join(',')
    if (this.seen.has(key)) return true
    this.seen.add(key)
    return false
  }
}
