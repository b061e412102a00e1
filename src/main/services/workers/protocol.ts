/**
 * The typed message protocol between the main process and an inference worker (one process per
 * loaded model). Requests carry an id; the worker answers each with `result` or `error`, and streams
 * tokens of a generation as `token` messages before its `result`.
 */
import type { SerializedError } from '../../../shared/errors'

export interface LoadRequest {
  type: 'load'
  id: string
  modelPath: string
  /** `auto`, or layers to offload (0 = CPU only). */
  gpuLayers: 'auto' | number
  /** Context sequences: generations this model runs at once. */
  sequences: number
  contextSize: number
  threads: number
}

export interface ChatTurn {
  role: 'user' | 'assistant'
  text: string
}

/**
 * What a worker does with a conversation longer than the context: `refuse` it (INVALID_INPUT naming
 * the context size: the OpenAI endpoint, whose caller sent the whole conversation), or `dropOldest`
 * turns until it fits (a persona's stored conversation, which grows with every turn).
 */
export type Overflow = 'refuse' | 'dropOldest'

/** The details of the INVALID_INPUT error for a conversation longer than the context (`refuse`). */
export interface ContextLengthExceeded {
  contextLengthExceeded: { contextSize: number; promptTokens: number; exact: boolean }
}

export interface GenerateRequest {
  type: 'generate'
  id: string
  /** Who is talking: generations of one session reuse its sequence's cache when they can. */
  sessionKey: string
  systemPrompt: string
  history: ChatTurn[]
  /**
   * Where `history` starts in the session's conversation (turns before it were not sent): lets the
   * worker keep its cached window's start from one turn to the next. Defaults to 0.
   */
  historyStart?: number
  /** The conversation goes on after this answer, so its cache is worth keeping; a one-off's sequence is reused first. Defaults to true. */
  keepCache?: boolean
  prompt: string
  temperature: number
  topP: number
  maxTokens: number
  seed: number | null
  overflow: Overflow
}

export interface EmbedRequest {
  type: 'embed'
  id: string
  text: string
}

export interface AbortRequest {
  type: 'abort'
  /** The request to abort. */
  id: string
}

export interface StatsRequest {
  type: 'stats'
  id: string
}

export interface SetThreadsRequest {
  type: 'setThreads'
  id: string
  threads: number
}

export interface ShutdownRequest {
  type: 'shutdown'
  id: string
}

export type ToWorker = LoadRequest | GenerateRequest | EmbedRequest | AbortRequest | StatsRequest | SetThreadsRequest | ShutdownRequest

export interface LoadResult {
  gpu: string | false
  gpuLayers: number
  /** Bytes the model and its context take in VRAM (GPU) or RAM (CPU), as llama.cpp reports. */
  vramBytes: number
  ramBytes: number
  contextSize: number
  sequences: number
  trainContextSize: number
  loadMs: number
}

export interface GenerateResult {
  text: string
  tokens: number
  /** Tokens of the context window the answer was generated from (system prompt, conversation, prompt). */
  promptTokens: number
  /**
   * Of `promptTokens`, those not in the sequence's cache, evaluated for this request; the rest were
   * reused. (On a CPU a few cached tokens are evaluated again with them, for speed: not counted.)
   */
  evaluatedTokens: number
  reusedTokens: number
  /** Turns of `history` left out because the context could not hold them (`dropOldest`). */
  droppedTurns: number
  durationMs: number
  finishReason: 'stop' | 'length' | 'cancelled'
}

export interface EmbedResult {
  vector: number[]
}

export interface StatsResult {
  rssBytes: number
  heapBytes: number
  vramUsedBytes: number
  threads: number
  activeGenerations: number
}

export type WorkerReply =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: string; value: unknown }
  | { type: 'error'; id: string; error: SerializedError }
  | { type: 'token'; id: string; text: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }

/** What each request answers with. */
export interface ResultOf {
  load: LoadResult
  generate: GenerateResult
  embed: EmbedResult
  stats: StatsResult
  setThreads: { threads: number }
  shutdown: Record<string, never>
  abort: { aborted: boolean }
}
