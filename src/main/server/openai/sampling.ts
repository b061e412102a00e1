import { z } from 'zod'
import type { GenerationSettings, Persona } from '../../../shared/contract/inference'
import { count } from './http'

/**
 * The sampling fields of `/v1/chat/completions` and `/v1/completions`, with OpenAI's ranges: any
 * value OpenAI accepts is accepted here. Fields Warden does not use (`user`, `metadata`,
 * `frequency_penalty`, `logit_bias`, …) are not listed: zod drops them, as OpenAI's clients expect.
 */
export const samplingFields = {
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  /**
   * Any integer (OpenAI's is 64-bit, which JSON numbers carry only approximately: 2⁶³ − 1 arrives as
   * 9223372036854775808, not a "safe" integer); taken modulo 2³², llama.cpp's seed.
   */
  seed: z.number().refine(Number.isInteger, 'an integer').nullish(),
  n: z.literal(1, 'Warden answers one choice (n = 1)').nullish(),
}

type Sampling = z.infer<z.ZodObject<typeof samplingFields>>

export interface SamplingChoice {
  settings: Partial<GenerationSettings>
  /** What Warden changed in the request, in words (the `x-warden-notice` header and `warden.notices`). */
  notices: string[]
}

/**
 * The persona's settings overridden by the request. `max_tokens` larger than the persona's context
 * is lowered to the context size, and says so (the worker also stops at the end of the context, so
 * an answer never exceeds the room the prompt leaves: `finish_reason: "length"`).
 */
export function samplingOf(r: Sampling, persona: Persona): SamplingChoice {
  const notices: string[] = []
  let maxTokens = r.max_completion_tokens ?? r.max_tokens ?? undefined
  const contextSize = persona.settings.contextSize
  if (maxTokens !== undefined && maxTokens > contextSize) {
    notices.push(`max_tokens ${count(maxTokens)} is more than the context holds (${count(contextSize)} tokens): at most ${count(contextSize)} tokens, less the prompt, are generated`)
    maxTokens = contextSize
  }
  return {
    settings: {
      temperature: r.temperature ?? undefined,
      // top_p 0 (OpenAI accepts it) means "the most likely token only", which a tiny p does too.
      topP: r.top_p === null || r.top_p === undefined ? undefined : Math.max(r.top_p, 1e-6),
      maxTokens,
      seed: r.seed === null || r.seed === undefined ? undefined : ((r.seed % 2 ** 32) + 2 ** 32) % 2 ** 32,
    },
    notices,
  }
}

/** Header form of the notices (ASCII: they name no persona). */
export function noticeHeaders(notices: string[]): Record<string, string> {
  return notices.length ? { 'x-warden-notice': notices.join('; ') } : {}
}

/** OpenAI's `usage` from Warden's counts. */
export function usageOf(result: { promptTokens: number; tokens: number }) {
  return { prompt_tokens: result.promptTokens, completion_tokens: result.tokens, total_tokens: result.promptTokens + result.tokens }
}
