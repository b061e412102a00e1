import * as os from 'node:os'
import { PagedStates } from './pagedStates'
import type { ChatWrapper, Llama, LlamaContext, LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp'
import { WardenError } from '../../shared/errors'
import { cancelled, evaluatePromptWindow, fitPromptWindow, turnOverhead } from './promptWindow'
import type { AdapterRef, CompleteRequest, ContextLengthExceeded, EmbedResult, GenerateRequest, GenerateResult, LoadRequest, LoadResult, SequenceState, StatsResult, TokenLogprob, UnloadResult } from '../services/workers/protocol'
import { generateAnswer } from './answer'
import { observeTokens } from './observeTokens'
import { TokenStatsMeter, vocabularySizeOf } from './tokenStats'
import { chatFunctions } from './functions'
import { GrammarCache } from './grammars'
import { AdapterContexts, ContextEntry, type Slot } from './contexts'

/**
 * node-llama-cpp for one model: the worker process runs one of these; the benchmark also runs one in
 * process as the baseline. Each generation takes a context sequence (preferring the one that already
 * holds its session's conversation), so several personas run in parallel on one model.
 */
export class InferenceEngine {
  private llama: Llama | null = null
  private model: LlamaModel | null = null
  private context: LlamaContext | null = null
  private embedding: LlamaEmbeddingContext | null = null
  /** Resolved once per model: resolving it for each chat session costs ~190 ms. */
  private chatWrapper: ChatWrapper | null = null
  /** Template tokens per conversation turn (measured on first use). */
  private overheadPerTurn: number | null = null
  /** The base context's sequences; contexts with LoRA adapters are in `adapters` (see contexts.ts). */
  private base: ContextEntry | null = null
  private adapters: AdapterContexts | null = null
  private readonly aborts = new Map<string, AbortController>()
  /** `response_format` grammars, per schema. */
  private readonly grammars = new GrammarCache()
  private threads = 1
  /** Conversations' states saved when the model was last unloaded, restored when they come back. */
  private paged: PagedStates | null = null
  /** node-llama-cpp imported and its binary loaded ahead of the first load (a spare worker). */
  private warm: Promise<Llama> | null = null

  /**
   * Import node-llama-cpp and load its binary now, so that loading a model later is quick.
   * llama.cpp's warnings and errors go to stderr, which Warden keeps in the model's log.
   */
  warmUp(): Promise<unknown> {
    this.warm ??= (async () => {
      const { getLlama, LlamaLogLevel } = await import('node-llama-cpp')
      return getLlama({ gpu: 'auto', build: 'never', usePrebuiltBinaries: true, skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.warn })
    })()
    // Not fatal: `load` tries again and reports the failure to its caller. Noted on stderr (the model's log).
    return this.warm.catch((error: unknown) => console.error(`Could not prepare node-llama-cpp ahead of a load: ${(error as Error)?.message ?? String(error)}`))
  }

  get loaded(): boolean {
    return this.model !== null
  }

  async load(req: LoadRequest): Promise<LoadResult> {
    if (this.model) throw new WardenError('CONFLICT', 'This worker has already loaded a model')
    const started = performance.now()
    const { getLlama, LlamaLogLevel, resolveChatWrapper } = await import('node-llama-cpp')
    this.threads = Math.max(1, req.threads)
    // The warm Llama (a spare's, or the one kept when a model was unloaded) serves unless it would put layers on a GPU that gpuLayers 0 keeps off.
    const warmed = this.warm ? await this.warm.catch(() => null) : null
    const warm = warmed && (req.gpuLayers !== 0 || warmed.gpu === false) ? warmed : null
    if (this.warm && !warm) void this.warm.then((l) => l.dispose()).catch(() => undefined) // a warm-up that failed is already noted
    this.warm = null
    this.llama =
      warm ??
      (await getLlama({
        gpu: req.gpuLayers === 0 ? false : 'auto',
        build: 'never',
        usePrebuiltBinaries: true,
        skipDownload: true,
        progressLogs: false,
        logLevel: LlamaLogLevel.warn,
        maxThreads: this.threads,
      }))
    this.llama.maxThreads = this.threads
    const vramBefore = (await this.llama.getVramState()).used
    const rssBeforeBytes = process.memoryUsage.rss()
    try {
      this.model = await this.llama.loadModel({ modelPath: req.modelPath, gpuLayers: req.gpuLayers })
    } catch (error) {
      throw new WardenError('INVALID_INPUT', `llama.cpp could not load ${req.modelPath}: ${(error as Error).message}`, {
        hint: 'Check that the file is a complete GGUF model (a partial download or another format fails here).',
      })
    }
    this.chatWrapper = resolveChatWrapper(this.model)
    const contextSize = Math.min(req.contextSize, this.model.trainContextSize || req.contextSize)
    this.context = await this.model.createContext({
      contextSize,
      sequences: req.sequences,
      // The ideal is fixed when the context is made: allow every core, and set the share Warden
      // assigns (now and on every rebalance) through llama.maxThreads.
      threads: { ideal: os.availableParallelism(), min: 1 },
    })
    this.base = new ContextEntry(this.context, '', req.sequences)
    this.adapters = new AdapterContexts(this.model, { contextSize: this.context.contextSize, sequences: req.sequences, threads: () => ({ ideal: os.availableParallelism(), min: 1 }) })
    this.paged = req.pagedStateDir ? await PagedStates.open(req.pagedStateDir, req.modelPath) : null
    const vramAfter = (await this.llama.getVramState()).used
    const rssAfterBytes = process.memoryUsage.rss()
    const gpu = this.llama.gpu
    return {
      gpu,
      gpuLayers: this.model.gpuLayers,
      vramBytes: gpu ? Math.max(0, vramAfter - vramBefore) : 0,
      ramBytes: this.model.size + this.context.stateSize,
      rssBeforeBytes,
      rssAfterBytes,
      contextSize: this.context.contextSize,
      sequences: req.sequences,
      trainContextSize: this.model.trainContextSize,
      loadMs: Math.round(performance.now() - started),
    }
  }

  /** Change the threads generations use (Warden rebalances when workers start or stop). */
  setThreads(threads: number): number {
    this.threads = Math.max(1, Math.floor(threads))
    if (this.llama) this.llama.maxThreads = this.threads
    return this.threads
  }

  async generate(req: GenerateRequest, onText: (text: string, logprobs?: TokenLogprob[]) => void): Promise<GenerateResult> {
    if (!this.llama || !this.model || !this.base || !this.adapters || !this.chatWrapper) throw new WardenError('UNAVAILABLE', 'No model is loaded in this worker')
    const abort = new AbortController()
    this.aborts.set(req.id, abort)
    const started = performance.now()
    let slot: Slot | null = null
    // The context for the request's adapter set: its sequences only ever hold tokens evaluated with those adapters.
    let entry: ContextEntry | null = null
    try {
      entry = req.adapters?.length ? await this.adapters.acquire(req.adapters) : this.base
      const context = entry.context
      slot = await entry.takeSlot(req.sessionKey, abort.signal)
      if (slot.sessionKey !== req.sessionKey) {
        // Another conversation is cached here: start this one from an empty sequence, or from its
        // state saved when the model was paged out.
        await slot.sequence.clearHistory()
        slot.sessionKey = req.sessionKey
        // A state saved from a context with adapters comes back only into one with the same set.
        slot.windowStart = (await this.paged?.restore(pagedKey(entry, req.sessionKey), slot.sequence))?.windowStart ?? null
      }
      const historyStart = req.historyStart ?? 0
      this.overheadPerTurn ??= turnOverhead(this.model, this.chatWrapper)
      const window = await fitPromptWindow(
        {
          model: this.model, chatWrapper: this.chatWrapper, contextSize: context.contextSize, systemPrompt: req.systemPrompt, history: req.history, prompt: req.prompt, overflow: req.overflow, signal: abort.signal,
          functions: chatFunctions(req.functions), continueLastTurn: req.continueLastTurn,
          keepFrom: slot.windowStart === null ? undefined : slot.windowStart - historyStart,
          answerRoom: Math.min(req.maxTokens, Math.floor(context.contextSize / 4)),
        },
        this.overheadPerTurn,
      )
      slot.windowStart = historyStart + window.droppedTurns
      // One batch (512 tokens by default) between looks at a cancel: llama.cpp's own unit of work, so
      // evaluating in steps costs nothing; smaller steps were slower on a CPU.
      // LlamaChat evaluates the window's last token itself, as it generates.
      const evaluatedTokens = 1 + (await evaluatePromptWindow(slot.sequence, window.tokens, abort.signal, context.batchSize))
      const answer = await generateAnswer({
        llama: this.llama,
        model: this.model,
        sequence: slot.sequence,
        chatWrapper: this.chatWrapper,
        grammars: this.grammars,
        chat: window.chat,
        // Never past the end of the context (LlamaChat would shift it and drop the conversation's start).
        request: { ...req, maxTokens: Math.max(1, Math.min(req.maxTokens, context.contextSize - window.tokens.length)) },
        signal: abort.signal,
        onText,
      })
      const reuse = { evaluatedTokens, reusedTokens: window.tokens.length - evaluatedTokens, droppedTurns: window.droppedTurns }
      return { ...answer, promptTokens: window.tokens.length, ...reuse, durationMs: performance.now() - started }
    } catch (error) {
      // A failed generation may leave the cache half-written: the next one starts clean.
      if (slot) slot.sessionKey = slot.windowStart = null
      // node-llama-cpp throws the signal's reason when it stops before the first token.
      if (abort.signal.aborted && !(error instanceof WardenError)) throw cancelled('before its first token')
      throw error
    } finally {
      this.aborts.delete(req.id)
      if (slot) entry?.releaseSlot(slot, req.keepCache ?? true)
      if (entry && entry !== this.base) this.adapters?.release(entry)
    }
  }

  /** A raw completion of `req.prompt` (no chat template) on a cleared sequence, up to the end of the context. */
  async complete(req: CompleteRequest, onText: (text: string) => void): Promise<GenerateResult> {
    if (!this.model || !this.context || !this.base) throw new WardenError('UNAVAILABLE', 'No model is loaded in this worker')
    const base = this.base
    const abort = new AbortController()
    this.aborts.set(req.id, abort)
    const started = performance.now()
    let slot: Slot | null = null
    try {
      const contextSize = this.context.contextSize
      // A token holds at least one character of UTF-8 (two UTF-16 units at most): a prompt this long cannot fit.
      if (req.prompt.length >= 2 * contextSize) throw promptTooLong(contextSize, Math.ceil(req.prompt.length / 2), false)
      const promptTokens = this.model.tokenize(req.prompt).length + (this.model.tokens.bos === null ? 0 : 1)
      if (promptTokens >= contextSize) throw promptTooLong(contextSize, promptTokens, true)
      slot = await base.takeSlot('', abort.signal)
      slot.sessionKey = null // its cache will hold this completion, no session's conversation
      await slot.sequence.clearHistory()
      const { LlamaCompletion } = await import('node-llama-cpp')
      const completion = new LlamaCompletion({ contextSequence: slot.sequence, autoDisposeSequence: false })
      const meter = req.measure === false ? null : new TokenStatsMeter({ vocabularySize: vocabularySizeOf(this.model), greedy: req.temperature === 0 })
      const unobserve = observeTokens(slot.sequence, meter ? [meter] : [])
      try {
        let tokens = 0
        const out = await completion.generateCompletionWithMeta(req.prompt, {
          maxTokens: req.maxTokens,
          temperature: req.temperature,
          topP: req.topP,
          seed: req.seed ?? undefined,
          signal: abort.signal,
          stopOnAbortSignal: true,
          customStopTriggers: req.stop?.length ? req.stop : undefined,
          // Stop at the end of the context (maxTokens is lowered to the room left) instead of cutting the prompt's start.
          disableContextShift: true,
          contextShiftSize: 1,
          onToken: (t) => (tokens += t.length),
          onTextChunk: onText,
        })
        const stop = out.metadata.stopReason
        const finishReason = stop === 'abort' ? 'cancelled' : stop === 'maxTokens' ? 'length' : 'stop'
        const stats = meter ? { stats: meter.finish(finishReason) } : {}
        return { text: out.response, tokens, promptTokens, evaluatedTokens: promptTokens, reusedTokens: 0, droppedTurns: 0, durationMs: performance.now() - started, finishReason, ...stats }
      } finally {
        unobserve()
        completion.dispose({ disposeSequence: false })
      }
    } catch (error) {
      if (abort.signal.aborted && !(error instanceof WardenError)) throw cancelled('before its first token')
      throw error
    } finally {
      this.aborts.delete(req.id)
      if (slot) base.releaseSlot(slot, false)
    }
  }

  /**
   * Save the sequence holding `sessionKey`'s conversation to `file` (after its running turn, if any);
   * null when no sequence holds it (the model was reloaded, or another conversation took its place).
   */
  async saveState(sessionKey: string, file: string, adapters?: AdapterRef[]): Promise<SequenceState | null> {
    // The conversation is in the context of the adapter set it was answered with (none: the base context).
    const entry = adapters?.length ? (this.adapters?.find(adapters) ?? null) : this.base
    if (!entry) return null
    try {
      for (;;) {
        const slot = entry.slots.find((s) => s.sessionKey === sessionKey)
        if (!slot) return null
        if (!slot.busy) {
          slot.busy = true
          try {
            const { fileSize } = await slot.sequence.saveStateToFile(file)
            return { tokens: slot.sequence.contextTokens.length, windowStart: slot.windowStart, fileBytes: fileSize }
          } finally {
            entry.releaseSlot(slot, true)
          }
        }
        // Its turn is running: look again shortly (the waiters' queue wakes one taker per freed slot).
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    } finally {
      if (entry !== this.base) this.adapters?.release(entry)
    }
  }

  /**
   * Load a saved sequence state into a free sequence, which then holds `sessionKey`'s conversation
   * from the turn `windowStart`: its next turn evaluates only its new tokens. The caller has checked
   * that the state is this model's and intact (a foreign state can crash llama.cpp).
   */
  async loadState(sessionKey: string, windowStart: number | null, file: string, adapters?: AdapterRef[]): Promise<SequenceState> {
    if (!this.context || !this.base || !this.adapters) throw new WardenError('UNAVAILABLE', 'No model is loaded in this worker')
    // Into a context with the adapters it was saved with (its tokens were evaluated with them).
    const base = adapters?.length ? await this.adapters.acquire(adapters) : this.base
    let slot: Slot | null = null
    let loaded = false
    try {
      slot = await base.takeSlot(sessionKey, new AbortController().signal)
      // Another context's copy of this conversation is stale now.
      for (const e of [this.base, ...this.adapters.contexts]) {
        if (e !== base) for (const s of e.slots) if (!s.busy && s.sessionKey === sessionKey) s.sessionKey = s.windowStart = null
      }
      for (const other of base.slots) if (other !== slot && other.sessionKey === sessionKey) other.sessionKey = other.windowStart = null
      slot.sessionKey = slot.windowStart = null
      try {
        await slot.sequence.loadStateFromFile(file, { acceptRisk: true })
      } catch (error) {
        await slot.sequence.clearHistory().catch(() => undefined)
        throw new WardenError('INVALID_INPUT', `The checkpoint's state could not be loaded: ${(error as Error).message}`, { hint: 'Its context may be larger than the persona’s contextSize now.' })
      }
      slot.sessionKey = sessionKey
      slot.windowStart = windowStart
      loaded = true
      const fileBytes = (await import('node:fs')).statSync(file).size
      return { tokens: slot.sequence.contextTokens.length, windowStart, fileBytes }
    } finally {
      if (slot) base.releaseSlot(slot, loaded)
      if (base !== this.base) this.adapters.release(base)
    }
  }

  abort(id: string): boolean {
    const a = this.aborts.get(id)
    a?.abort()
    return Boolean(a)
  }

  async embed(text: string): Promise<EmbedResult> {
    if (!this.model) throw new WardenError('UNAVAILABLE', 'No model is loaded in this worker')
    const size = Math.min(512, this.model.trainContextSize)
    this.embedding ??= await this.model.createEmbeddingContext({ threads: this.threads, contextSize: size })
    // A token holds at least one character of UTF-8 (two UTF-16 units at most): a text this long cannot fit.
    const exact = text.length < 2 * size
    const tokens = exact ? this.embedding.calculateInputLength(text) : Math.ceil(text.length / 2)
    if (tokens >= size) throw promptTooLong(size, tokens, exact, 'embedding')
    const e = await this.embedding.getEmbeddingFor(text)
    return { vector: [...e.vector], tokens }
  }

  async stats(): Promise<StatsResult> {
    const mem = process.memoryUsage()
    return {
      rssBytes: mem.rss,
      heapBytes: mem.heapUsed,
      vramUsedBytes: this.llama ? (await this.llama.getVramState()).used : 0,
      threads: this.threads,
      activeGenerations: (this.base?.busy ?? 0) + (this.adapters?.contexts.reduce((n, e) => n + e.busy, 0) ?? 0),
      adapterBytes: this.adapters?.adapterBytes ?? 0,
      adapterContexts: this.adapters?.contexts.length ?? 0,
    }
  }

  /**
   * Unload the model (its contexts, embedding context, grammars and weights) and keep node-llama-cpp's
   * Llama, so the process is a spare worker again and the next `load` only loads a model. Generations
   * still running are aborted first; resolves with what the process holds afterwards.
   */
  async unload(): Promise<UnloadResult> {
    for (const a of this.aborts.values()) a.abort()
    // An aborted generation ends at its next token; it must be gone before its context is freed.
    for (let waited = 0; this.aborts.size > 0; waited += 10) {
      if (waited >= 5000) throw new WardenError('CONFLICT', 'Generations did not stop in time for the model to be unloaded')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await this.savePaged()
    const llama = this.llama
    const vramUsedBeforeBytes = llama?.gpu ? (await llama.getVramState()).used : 0
    await this.embedding?.dispose()
    await this.adapters?.dispose()
    await this.context?.dispose()
    await this.model?.dispose()
    this.embedding = this.context = this.model = this.chatWrapper = null
    this.overheadPerTurn = null
    this.base = this.adapters = null
    this.grammars.clear()
    if (llama) this.warm = Promise.resolve(llama)
    const stats = await this.stats()
    return { rssBytes: stats.rssBytes, vramUsedBeforeBytes, vramUsedBytes: llama?.gpu ? stats.vramUsedBytes : 0 }
  }

  /** Save the conversations the sequences hold, for when the model is loaded again (paged back in). */
  private async savePaged(): Promise<void> {
    if (!this.paged) return
    for (const entry of [...(this.base ? [this.base] : []), ...(this.adapters?.contexts ?? [])]) {
      for (const slot of entry.slots) {
        if (slot.busy || !slot.sessionKey || slot.sequence.contextTokens.length === 0) continue
        await this.paged.save(pagedKey(entry, slot.sessionKey), slot.windowStart, slot.sequence)
      }
    }
    this.paged = null
  }

  async dispose(): Promise<void> {
    for (const a of this.aborts.values()) a.abort()
    // The process ends: its model is paged out (an aborted generation's sequence is left out).
    await this.savePaged()
    await this.embedding?.dispose()
    await this.adapters?.dispose()
    await this.context?.dispose()
    await this.model?.dispose()
    await this.llama?.dispose()
    this.embedding = this.context = this.model = this.llama = null
  }
}

/** A paged state's key: the session's, with the adapter set of the context it was saved from (none for the base context). */
function pagedKey(entry: ContextEntry, sessionKey: string): string {
  return entry.key ? `${entry.key}\n${sessionKey}` : sessionKey
}

/** A prompt (or a text to embed) longer than the context: INVALID_INPUT with the sizes, as the chat's `refuse` says it. */
function promptTooLong(contextSize: number, promptTokens: number, exact: boolean, what: 'completion' | 'embedding' = 'completion'): WardenError {
  const details: ContextLengthExceeded = { contextLengthExceeded: { contextSize, promptTokens, exact } }
  const n = (x: number) => x.toLocaleString('en-US')
  const room = what === 'completion' ? `at most ${n(contextSize - 1)} fit: the context holds ${n(contextSize)} tokens and the answer needs room` : `at most ${n(contextSize - 1)} fit in the embedding context`
  return new WardenError('INVALID_INPUT', `The ${what === 'completion' ? 'prompt' : 'text'} takes ${exact ? '' : 'at least '}${n(promptTokens)} tokens, but ${room}`, {
    hint: what === 'completion' ? 'Send a shorter prompt, or give the persona a larger contextSize.' : 'Embed shorter pieces of text.',
    details,
  })
}
