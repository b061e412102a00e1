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
  /** What `ps` shows for the process from now on (the model's id). */
  title?: string
  /**
   * Where the worker saves its sequences' states when the model is unloaded (paged out), and finds
   * them when it is loaded again: a conversation that comes back is restored, not evaluated again.
   */
  pagedStateDir?: string
}

export interface ChatTurn {
  role: 'user' | 'assistant'
  text: string
  /** Functions the assistant called in this turn, each with the result it got back (OpenAI's `tool_calls` and `tool` messages). */
  toolCalls?: ToolCallTurn[]
}

export interface ToolCallTurn {
  name: string
  /** The arguments, as the JSON text the model wrote. */
  arguments: string
  /** What the function answered (JSON, or plain text). */
  result: string
}

/** A JSON Schema, already checked and bounded by the caller (see server/openaiFeatures.ts), in node-llama-cpp's GbnfJsonSchema subset. */
export type JsonSchema = { [key: string]: unknown }

/** A function the model may call (OpenAI's `tools`); the worker never runs it, it returns the call. */
export interface FunctionSpec {
  name: string
  description?: string
  /** The arguments' schema; none: the function takes no arguments. */
  params?: JsonSchema
}

/** The answer's shape, enforced by a grammar: any JSON value, or JSON matching a schema. */
export type ResponseGrammar = { kind: 'json' } | { kind: 'schema'; schema: JsonSchema }

/** What a generation may ask beyond plain text (the OpenAI endpoint's options); all optional. */
export interface GenerationFeatures {
  /** Texts that end the answer when generated; the text returned stops before them. */
  stop?: string[]
  /** Functions the model may call; a call ends the answer (finishReason `toolCalls`). */
  functions?: FunctionSpec[]
  /** `auto`: the model decides; `required`: it must call one of `functions`. Defaults to `auto`. */
  functionCall?: 'auto' | 'required'
  grammar?: ResponseGrammar
  /** Return each generated token's log probability and its `top` likeliest alternatives (0–20). */
  logprobs?: { top: number }
  /** The answer continues the last turn of `history` (an assistant turn whose calls got their results) instead of answering `prompt`. */
  continueLastTurn?: boolean
}

/** One generated token's log probability and its likeliest alternatives, in OpenAI's terms. */
export interface TokenLogprob {
  token: string
  logprob: number
  /** UTF-8 bytes of the token (a token may hold part of a character). */
  bytes: number[]
  top: Array<{ token: string; logprob: number; bytes: number[] }>
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

export interface GenerateRequest extends GenerationFeatures {
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
  /** LoRA adapters to answer with (the persona's genome); none: the base model. See worker/contexts.ts. */
  adapters?: AdapterRef[]
  /** Measure the token distributions (`GenerateResult.stats`). Defaults to true. */
  measure?: boolean
}

/** A LoRA adapter file for a generation: its absolute path, its scale and the sha256 of its bytes. */
export interface AdapterRef {
  path: string
  scale: number
  sha256: string
}

/**
 * The effective number of competing tokens at which a token counts as fully uncertain: entropy and
 * surprisal are normalised by ln 64 (the seeds' κ*), whatever the vocabulary or the sampler's
 * truncation, so that Φ means the same on a 360-token test model and a 150k-token one.
 */
export const ENTROPY_SCALE_CANDIDATES = 64
/** Tokens in the n-grams whose repetition within one answer marks a degenerate loop. */
export const REPEAT_NGRAM = 4

/**
 * What the worker measures of one generation's token distributions (node-llama-cpp's token
 * metadata), as sums so that windows add up exactly and cheaply (`addTokenStats` in
 * services/health/metrics.ts). Definitions: docs/health-metrics.md.
 */
export interface TokenStats {
  /** Tokens whose distribution was measured (see `generatedTokens`). */
  tokens: number
  /** Σ over tokens of the distribution's entropy normalised to [0, 1]: min(1, H / ln 64). */
  normalizedEntropySum: number
  /** Σ over tokens of the distribution's entropy in nats. */
  entropyNatsSum: number
  /** Σ over tokens of the most likely token's probability. */
  topProbabilitySum: number
  /** Σ over tokens of the chosen token's surprisal, normalised to [0, 1]: min(1, −ln p / ln 64). */
  surpriseSum: number
  /**
   * Tokens the model generated for the answer (stop texts included). All are checked for repetition;
   * their distributions are measured (`tokens`) except under greedy decoding on a vocabulary over
   * 1,024 tokens, where node-llama-cpp would sort the whole vocabulary for each token (14 % of the
   * throughput at 32k, bench/healthThroughput.ts).
   */
  generatedTokens: number
  /** Of `generatedTokens`, those that end a 4-token sequence already generated in the same answer (degenerate loops). */
  repeatedTokens: number
  /** Generations measured. */
  answers: number
  /** Of `answers`, those that ended on their own (an end of text, a stop text, a function call) rather than cut by maxTokens or a cancel. */
  endedAnswers: number
}

/** A raw text completion (`/v1/completions`): the prompt as it is, without the chat template. */
export interface CompleteRequest {
  type: 'complete'
  id: string
  prompt: string
  temperature: number
  topP: number
  /** At most this many tokens; fewer when the context has less room after the prompt. */
  maxTokens: number
  seed: number | null
  /** Texts that end the completion before they are written (up to 4). */
  stop?: string[]
  /** Measure the token distributions (`GenerateResult.stats`). Defaults to true. */
  measure?: boolean
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

/** Unload the model and keep the process (node-llama-cpp stays loaded): a spare worker again. */
export interface UnloadRequest {
  type: 'unload'
  id: string
}

/** Save the sequence holding `sessionKey`'s conversation to `path` (a persona checkpoint); null when no sequence holds it. */
export interface SaveStateRequest {
  type: 'saveState'
  id: string
  sessionKey: string
  path: string
  /** The adapter set of the context holding it (the persona's last chat's); none: the base context. */
  adapters?: AdapterRef[]
}

/** Load a checkpoint's state (checked by the caller: this model's, intact) into a sequence, now holding `sessionKey`'s conversation. */
export interface LoadStateRequest {
  type: 'loadState'
  id: string
  sessionKey: string
  /** The conversation turn its window starts with (as `Slot.windowStart`). */
  windowStart: number | null
  path: string
  /** Loaded into the context of this adapter set (the one it was saved from); none: the base context. */
  adapters?: AdapterRef[]
}

/** A sequence's state: its tokens, and the turn its window starts with. */
export interface SequenceState {
  tokens: number
  windowStart: number | null
  fileBytes: number
}

export interface ShutdownRequest {
  type: 'shutdown'
  id: string
}

export type ToWorker = LoadRequest | GenerateRequest | CompleteRequest | EmbedRequest | AbortRequest | StatsRequest | SetThreadsRequest | UnloadRequest | SaveStateRequest | LoadStateRequest | ShutdownRequest

export interface LoadResult {
  gpu: string | false
  gpuLayers: number
  /** Bytes the model and its context take in VRAM (GPU) or RAM (CPU), as llama.cpp reports. */
  vramBytes: number
  ramBytes: number
  /**
   * The process's resident memory just before the model was loaded (node, node-llama-cpp and
   * llama.cpp's binary, plus whatever an earlier model left behind in a reused process) and just
   * after the model and its context were (weights touched so far, KV cache, compute buffers). Their
   * difference is what loading the model cost; the first is the runtime's cost in a fresh process.
   */
  rssBeforeBytes: number
  rssAfterBytes: number
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
  finishReason: 'stop' | 'length' | 'cancelled' | 'toolCalls'
  /** The functions the model called (finishReason `toolCalls`). */
  toolCalls?: Array<{ name: string; arguments: string }>
  /** Per token of `text` (when `logprobs` was asked). */
  logprobs?: TokenLogprob[]
  /** The token distributions' measures, unless `measure: false` was asked. */
  stats?: TokenStats
}

export interface EmbedResult {
  vector: number[]
  /** Tokens of the text. */
  tokens: number
}

export interface StatsResult {
  rssBytes: number
  heapBytes: number
  vramUsedBytes: number
  threads: number
  activeGenerations: number
  /** Adapter weights loaded into the model plus the adapter contexts' state (0 without adapters). */
  adapterBytes?: number
  /** Contexts with adapters kept (at most worker/contexts.ts MAX_ADAPTER_CONTEXTS). */
  adapterContexts?: number
}

/** The process after its model was unloaded: what it holds now. */
export interface UnloadResult {
  rssBytes: number
  /** VRAM in use on the device before and after the model was freed (0 without a GPU). */
  vramUsedBeforeBytes: number
  vramUsedBytes: number
}

export type WorkerReply =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: string; value: unknown }
  | { type: 'error'; id: string; error: SerializedError }
  | { type: 'token'; id: string; text: string; logprobs?: TokenLogprob[] }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }

/** What each request answers with. */
export interface ResultOf {
  load: LoadResult
  generate: GenerateResult
  complete: GenerateResult
  embed: EmbedResult
  stats: StatsResult
  setThreads: { threads: number }
  unload: UnloadResult
  saveState: SequenceState | null
  loadState: SequenceState
  shutdown: Record<string, never>
  abort: { aborted: boolean }
}
