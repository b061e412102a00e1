import * as os from 'node:os'
import type { ChatWrapper, Llama, LlamaContext, LlamaContextSequence, LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp'
import { WardenError } from '../../shared/errors'
import { cancelled, evaluatePromptWindow, fitPromptWindow, turnOverhead } from './promptWindow'
import type { EmbedResult, GenerateRequest, GenerateResult, LoadRequest, LoadResult, StatsResult } from '../services/workers/protocol'

interface Slot {
  sequence: LlamaContextSequence
  busy: boolean
  /** The session whose conversation is in this sequence's cache. */
  sessionKey: string | null
  /** The conversation turn (counted from the session's first, `historyStart`) its cached window starts with. */
  windowStart: number | null
  lastUsed: number
}

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
  private slots: Slot[] = []
  private waiters: Array<() => void> = []
  private readonly aborts = new Map<string, AbortController>()
  private threads = 1
  /** node-llama-cpp imported and its binary loaded ahead of the first load (a spare worker). */
  private warm: Promise<Llama> | null = null

  /**
   * Import node-llama-cpp and load its binary now, so that loading a model later is quick.
   * llama.cpp's warnings and errors go to stderr, which Warden keeps in the model's log.
   */
  warmUp(): void {
    this.warm ??= (async () => {
      const { getLlama, LlamaLogLevel } = await import('node-llama-cpp')
      return getLlama({ gpu: 'auto', build: 'never', usePrebuiltBinaries: true, skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.warn })
    })()
    // Not fatal: `load` tries again and reports the failure to its caller. Noted on stderr (the model's log).
    this.warm.catch((error: unknown) => console.error(`Could not prepare node-llama-cpp ahead of a load: ${(error as Error)?.message ?? String(error)}`))
  }

  get loaded(): boolean {
    return this.model !== null
  }

  async load(req: LoadRequest): Promise<LoadResult> {
    if (this.model) throw new WardenError('CONFLICT', 'This worker has already loaded a model')
    const started = performance.now()
    const { getLlama, LlamaLogLevel, resolveChatWrapper } = await import('node-llama-cpp')
    this.threads = Math.max(1, req.threads)
    const warm = req.gpuLayers !== 0 && this.warm ? await this.warm.catch(() => null) : null
    if (this.warm && !warm) void this.warm.then((l) => l.dispose()).catch(() => undefined) // a warm-up that failed is already noted
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
    this.slots = Array.from({ length: req.sequences }, () => ({ sequence: this.context!.getSequence(), busy: false, sessionKey: null, windowStart: null, lastUsed: 0 }))
    const vramAfter = (await this.llama.getVramState()).used
    const gpu = this.llama.gpu
    return {
      gpu,
      gpuLayers: this.model.gpuLayers,
      vramBytes: gpu ? Math.max(0, vramAfter - vramBefore) : 0,
      ramBytes: this.model.size + this.context.stateSize,
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

  private async takeSlot(sessionKey: string, signal: AbortSignal): Promise<Slot> {
    for (;;) {
      const free = this.slots.filter((s) => !s.busy)
      if (free.length) {
        const slot = free.find((s) => s.sessionKey === sessionKey) ?? free.sort((a, b) => a.lastUsed - b.lastUsed)[0]
        slot.busy = true
        return slot
      }
      await new Promise<void>((resolve, reject) => {
        this.waiters.push(resolve)
        signal.addEventListener('abort', () => reject(new WardenError('CANCELLED', 'The request was cancelled while waiting for a free sequence')), { once: true })
      })
    }
  }

  private releaseSlot(slot: Slot, keepCache: boolean): void {
    slot.busy = false
    slot.lastUsed = keepCache ? Date.now() : 0
    this.waiters.shift()?.()
  }

  async generate(req: GenerateRequest, onText: (text: string) => void): Promise<GenerateResult> {
    if (!this.model || !this.context || !this.chatWrapper) throw new WardenError('UNAVAILABLE', 'No model is loaded in this worker')
    const abort = new AbortController()
    this.aborts.set(req.id, abort)
    const started = performance.now()
    let slot: Slot | null = null
    try {
      slot = await this.takeSlot(req.sessionKey, abort.signal)
      if (slot.sessionKey !== req.sessionKey) {
        // Another conversation is cached here: start this one from an empty sequence.
        await slot.sequence.clearHistory()
        slot.sessionKey = req.sessionKey
        slot.windowStart = null
      }
      const historyStart = req.historyStart ?? 0
      this.overheadPerTurn ??= turnOverhead(this.model, this.chatWrapper)
      const window = await fitPromptWindow(
        {
          model: this.model, chatWrapper: this.chatWrapper, contextSize: this.context.contextSize, systemPrompt: req.systemPrompt, history: req.history, prompt: req.prompt, overflow: req.overflow, signal: abort.signal,
          keepFrom: slot.windowStart === null ? undefined : slot.windowStart - historyStart,
          answerRoom: Math.min(req.maxTokens, Math.floor(this.context.contextSize / 4)),
        },
        this.overheadPerTurn,
      )
      slot.windowStart = historyStart + window.droppedTurns
      // One batch (512 tokens by default) between looks at a cancel: llama.cpp's own unit of work, so
      // evaluating in steps costs nothing; smaller steps were slower on a CPU.
      // LlamaChat evaluates the window's last token itself, as it generates.
      const evaluatedTokens = 1 + (await evaluatePromptWindow(slot.sequence, window.tokens, abort.signal, this.context.batchSize))
      const { LlamaChatSession } = await import('node-llama-cpp')
      const session = new LlamaChatSession({
        contextSequence: slot.sequence,
        systemPrompt: req.systemPrompt,
        autoDisposeSequence: false,
        chatWrapper: this.chatWrapper,
      })
      try {
        session.setChatHistory(window.history)
        let tokens = 0
        const out = await session.promptWithMeta(req.prompt, {
          maxTokens: req.maxTokens,
          temperature: req.temperature,
          topP: req.topP,
          seed: req.seed ?? undefined,
          signal: abort.signal,
          stopOnAbortSignal: true,
          onToken: (t) => (tokens += t.length),
          onTextChunk: onText,
        })
        const text = out.response.filter((r): r is string => typeof r === 'string').join('')
        const finishReason = out.stopReason === 'abort' ? 'cancelled' : out.stopReason === 'maxTokens' ? 'length' : 'stop'
        const reuse = { evaluatedTokens, reusedTokens: window.tokens.length - evaluatedTokens, droppedTurns: window.droppedTurns }
        return { text, tokens, promptTokens: window.tokens.length, ...reuse, durationMs: performance.now() - started, finishReason }
      } finally {
        session.dispose({ disposeSequence: false })
      }
    } catch (error) {
      // A failed generation may leave the cache half-written: the next one starts clean.
      if (slot) slot.sessionKey = slot.windowStart = null
      // node-llama-cpp throws the signal's reason when it stops before the first token.
      if (abort.signal.aborted && !(error instanceof WardenError)) throw cancelled('before its first token')
      throw error
    } finally {
      this.aborts.delete(req.id)
      if (slot) this.releaseSlot(slot, req.keepCache ?? true)
    }
  }

  abort(id: string): boolean {
    const a = this.aborts.get(id)
    a?.abort()
    return Boolean(a)
  }

  async embed(text: string): Promise<EmbedResult> {
    if (!this.model) throw new WardenError('UNAVAILABLE', 'No model is loaded in this worker')
    this.embedding ??= await this.model.createEmbeddingContext({ threads: this.threads, contextSize: Math.min(512, this.model.trainContextSize) })
    const e = await this.embedding.getEmbeddingFor(text)
    return { vector: [...e.vector] }
  }

  async stats(): Promise<StatsResult> {
    const mem = process.memoryUsage()
    return {
      rssBytes: mem.rss,
      heapBytes: mem.heapUsed,
      vramUsedBytes: this.llama ? (await this.llama.getVramState()).used : 0,
      threads: this.threads,
      activeGenerations: this.slots.filter((s) => s.busy).length,
    }
  }

  async dispose(): Promise<void> {
    for (const a of this.aborts.values()) a.abort()
    await this.embedding?.dispose()
    await this.context?.dispose()
    await this.model?.dispose()
    await this.llama?.dispose()
    this.embedding = this.context = this.model = this.llama = null
  }
}
