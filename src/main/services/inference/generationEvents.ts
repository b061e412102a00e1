/**
 * A generation as the health monitor sees it (GenerationEvent): how long it waited in the queue,
 * when its first text came, how long it took, its tokens and token statistics, or its error code.
 */
import type { GenerationResult } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import type { GenerationEvent } from '../health/types'
import type { TokenStats } from '../workers/protocol'

/** A result with what the worker measured (kept from the caller: `stats` is not part of the contract's result). */
export type MeasuredResult = GenerationResult & { stats?: TokenStats }

export class GenerationWatch {
  private readonly started = Date.now()
  private firstTextAt: number | null = null

  constructor(private readonly persona: string) {}

  /** Wraps a caller's text listener to see when the first text comes. */
  onText<A extends unknown[]>(listener: ((text: string, ...rest: A) => void) | undefined): (text: string, ...rest: A) => void {
    return (text, ...rest) => {
      if (this.firstTextAt === null && text) this.firstTextAt = Date.now()
      listener?.(text, ...rest)
    }
  }

  finished(result: MeasuredResult): GenerationEvent {
    return {
      persona: this.persona,
      modelId: result.modelId,
      ok: true,
      error: null,
      at: Date.now(),
      queueWaitMs: result.waitedMs ?? null,
      ttftMs: this.firstTextAt === null ? null : this.firstTextAt - this.started,
      totalMs: Date.now() - this.started,
      tokens: result.tokens,
      text: result.text,
      stats: result.stats ?? null,
    }
  }

  failed(error: unknown, modelId: string): GenerationEvent {
    return {
      persona: this.persona,
      modelId,
      ok: false,
      error: WardenError.from(error).code,
      at: Date.now(),
      queueWaitMs: null,
      ttftMs: this.firstTextAt === null ? null : this.firstTextAt - this.started,
      totalMs: Date.now() - this.started,
      tokens: 0,
      text: '',
      stats: null,
    }
  }
}
