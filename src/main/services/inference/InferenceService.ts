import { createHash, randomInt, randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { priorities, type GenerationResult, type GenerationSettings, type MemoryBudget, type Persona, type Priority } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import { formatBytes } from '../../../shared/format'
import type { CacheKeepReason, ModelInstallResult } from '../../../shared/contract/modelCache'
import { describeEnforcement, ModelCache } from '../models/cache/ModelCache'
import type { InstallProgress } from '../models/ModelInstaller'
import { Emitter } from '../events/Emitter'
import { logFailure } from '../logging/callLog'
import { splitMemory } from '../models/ggufFacts'
import { ModelService, type ResolvedModel } from '../models/ModelService'
import { PersonaStore, type PersonaInput } from '../personas/PersonaStore'
import { PersonaCheckpoints } from './PersonaCheckpoints'
import { GenerationWatch, type MeasuredResult } from './generationEvents'
import type { GenerationEvent } from '../health/types'
import { CrashRecovery } from './crashRecovery'
import { computeBudget, detectGpus, type GpuReading } from '../scheduler/budget'
import { ModelScheduler, type ModelRef, type RunContext } from '../scheduler/ModelScheduler'
import { SettingsStore, type SettingRow } from '../settings/SettingsStore'
import type { WardenDatabase } from '../storage/Database'
import type { WorkerLogSink } from '../logging/WorkerLogs'
import type { WorkerLauncher } from '../workers/launcher'
import type { AdapterRef, ChatTurn, ContextLengthExceeded, GenerationFeatures, Overflow, TokenLogprob } from '../workers/protocol'

/** Something a person should see now (a worker crashed, or was quarantined). */
export interface InferenceAlert {
  level: 'info' | 'warning' | 'error'
  title: string
  message: string
}

/** What metrics need of a generation event. */
export type GenerationOutcome = Pick<GenerationEvent, 'modelId' | 'persona' | 'ok' | 'error' | 'tokens' | 'totalMs' | 'queueWaitMs'>

export interface InferenceOptions {
  home: string
  database: WardenDatabase
  launcher: WorkerLauncher
  /** Where each worker's output goes, per model (logs/workers/). */
  workerLogs?: WorkerLogSink
  /** The settings, shared with the host's other services (a second store on one database would cache stale values). */
  settings: SettingsStore
  /** GPU readings; defaults to systeminformation (read once, then every minute at most). */
  detectGpus?: () => Promise<GpuReading[]>
  freeSpace?: (dir: string) => Promise<number>
  /** Scheduler tuning (tests shorten back-offs). */
  scheduler?: { backoffBaseMs?: number; backoffMaxMs?: number; crashWindowMs?: number; maxCrashes?: number; graceMs?: number; cores?: number; spareWorker?: boolean }
}

export interface GenerateCall {
  persona: Persona
  /** Overrides the persona's system prompt (the OpenAI endpoint's system message). */
  systemPrompt?: string
  history: ChatTurn[]
  /** Where `history` starts in the stored conversation (older messages were not read). Defaults to 0. */
  historyStart?: number
  /**
   * The conversation this continues, so the worker keeps its cache between turns: a persona's stored
   * conversation. Defaults to one derived from the system prompt and first message (the OpenAI
   * endpoint's callers resend whole conversations), which never evicts a stored conversation's cache.
   */
  sessionKey?: string
  /** The conversation goes on after this answer (a stateless chat does not). Defaults to true. */
  keepCache?: boolean
  prompt: string
  settings?: Partial<GenerationSettings>
  /** A conversation longer than the context: refused, or its oldest turns left out. Defaults to `dropOldest`. */
  overflow?: Overflow
  priority: Priority
  signal?: AbortSignal
  timeoutMs?: number
  /** Text as it is generated, with its tokens' log probabilities when `features.logprobs` asks for them. */
  onText?: (text: string, logprobs?: TokenLogprob[]) => void
  onProgress?: (phase: string, message: string, fraction: number | null) => void
  /** Stop texts, functions, a grammar, log probabilities (the OpenAI endpoint's options). */
  features?: GenerationFeatures
  /** LoRA adapters to answer with (the persona's genome), hot-swapped in the model's worker. */
  adapters?: AdapterRef[]
  /** Measure the token distributions for the health monitor (GenerationEvent.stats). Defaults to true; the benchmark turns it off. */
  measure?: boolean
}

/** A raw completion of a prompt on a persona's model (`/v1/completions`): no chat template, no system prompt. */
export interface CompleteCall {
  persona: Persona
  prompt: string
  /** Texts that end the completion (not included). */
  stop?: string[]
  settings?: Partial<GenerationSettings>
  priority: Priority
  signal?: AbortSignal
  onText?: (text: string) => void
  /** Measure the token distributions for the health monitor (GenerationEvent.stats). Defaults to true. */
  measure?: boolean
}

/**
 * A seed for a request that gives none. node-llama-cpp would seed from the current second, so two
 * requests within one second would get the same "random" answer.
 */
export function randomSeed(): number {
  return randomInt(2 ** 32)
}

type ReadyCall = { signal?: AbortSignal; onProgress?: GenerateCall['onProgress']; contextSize?: number }

/**
 * Characters of stored conversation read for each token of a persona's context: about twice what the
 * context holds of common text (3–5 characters a token), so the window the worker keeps is in what
 * it is sent.
 */
const MAX_CHARS_PER_TOKEN = 8

/**
 * The worker's cache key of a conversation sent whole (the OpenAI endpoint, a stateless chat): its
 * persona, system prompt and first message, which stay the same as the conversation goes on.
 */
function conversationKey(call: GenerateCall): string {
  const first = call.history[0]?.text ?? call.prompt
  const hash = createHash('sha256').update(call.systemPrompt ?? call.persona.systemPrompt).update('\0').update(first).digest('hex').slice(0, 16)
  return `conversation:${call.persona.id}:${hash}`
}

/** The worker's cache key of a persona's stored conversation (a new one each time it is cleared or restored). */
export function personaSessionKey(persona: Persona, epoch: number): string {
  return `persona:${persona.id}:${epoch}`
}

/** A conversation longer than the context: say which persona's context and how to enlarge it. */
function withPersonaHint(error: WardenError, persona: Persona): WardenError {
  const exceeded = (error.details as Partial<ContextLengthExceeded> | undefined)?.contextLengthExceeded
  if (error.code !== 'INVALID_INPUT' || !exceeded) return error
  return new WardenError('INVALID_INPUT', error.message.replace('the context holds', `${persona.name}'s context holds`), {
    hint: `Send fewer or shorter messages, or give ${persona.name} a larger context: warden persona edit ${JSON.stringify(persona.name)} --settings '{"contextSize": ${Math.min(131072, exceeded.contextSize * 2)}}' (up to what the model was trained for).`,
    details: error.details,
  })
}

/**
 * Local inference: models (catalog, installs, files), the scheduler of worker processes, personas
 * and their conversations, and the settings that drive them.
 */
export class InferenceService {
  readonly settings: SettingsStore
  readonly models: ModelService
  readonly personas: PersonaStore
  readonly scheduler: ModelScheduler
  /** Downloaded models kept under `maxModelCacheSize`. */
  readonly cache: ModelCache
  /** Personas frozen and resumed (checkpoints). */
  readonly checkpoints: PersonaCheckpoints
  /** Personas' contexts brought back from their checkpoints after a worker crash. */
  private readonly crashRecovery: CrashRecovery
  /** Requests between resolving their model and finishing, by model id: their model stays on disk. */
  private readonly requestsByModel = new Map<string, number>()
  private readonly stopSettings: () => void
  private gpus: GpuReading[] = []
  private gpusReadAt = 0
  private gpuRead: Promise<void> | null = null
  private readonly didChangeWorkers = new Emitter<string>()
  private readonly didChangeModels = new Emitter<void>()
  private readonly didChangePersonas = new Emitter<void>()
  private readonly didAlert = new Emitter<InferenceAlert>()
  private readonly didGenerate = new Emitter<GenerationEvent>()
  /** Workers started, loaded, crashed, were paged out, or a setting that drives them changed: the reason, in words. */
  readonly onDidChangeWorkers = this.didChangeWorkers.event
  /** Models installed, removed, added, or an install made progress. */
  readonly onDidChangeModels = this.didChangeModels.event
  /** Personas created, changed or deleted, or a conversation grew or was cleared. */
  readonly onDidChangePersonas = this.didChangePersonas.event
  readonly onDidAlert = this.didAlert.event
  /** A generation (persona chat, OpenAI chat or completion) finished or failed: its timings, tokens, text and token statistics. */
  readonly onDidGenerate = this.didGenerate.event

  constructor(private readonly options: InferenceOptions) {
    this.settings = options.settings
    this.stopSettings = this.settings.onDidChange(({ keys }) => this.didChangeWorkers.fire(`setting ${keys.join(', ')}`))
    this.models = new ModelService({
      database: options.database,
      modelsDir: () => this.settings.get().modelStoragePath || path.join(options.home, 'models'),
      loadShape: () => ({ contextSize: 1024, sequences: this.settings.get().parallelRequestsPerModel }),
      onChange: () => this.didChangeModels.fire(),
      freeSpace: options.freeSpace,
    })
    this.personas = new PersonaStore(options.database)
    this.scheduler = new ModelScheduler({
      launcher: options.launcher,
      workerLogs: options.workerLogs,
      settings: () => this.settings.get(),
      budget: () => computeBudget(this.settings.get().maxVRAM, this.gpus),
      onChange: (reason) => this.didChangeWorkers.fire(reason),
      onAlert: (a) => this.didAlert.fire(a),
      pagedStateDir: (m) => (this.settings.get().checkpointOnPageOut ? this.checkpoints.pagedDir(m) : undefined),
      ...options.scheduler,
    })
    this.cache = new ModelCache({
      database: options.database,
      models: this.models,
      limitMb: () => this.settings.get().maxModelCacheSize,
      keep: () => this.modelsToKeep(),
    })
    this.cache.onDidEnforce((e) => this.didAlert.fire(describeEnforcement(e)))
    this.checkpoints = new PersonaCheckpoints({ home: options.home, inference: this, onChange: () => this.didChangePersonas.fire() })
    this.checkpoints.startAuto()
    // In the background; the host may close meanwhile (a short CLI command): then it just stops.
    void this.checkpoints.sweepTemp().catch(() => undefined)
    this.crashRecovery = new CrashRecovery({
      crashes: (modelId) => this.scheduler.slot(modelId)?.history.crashes ?? null,
      checkpoints: this.checkpoints,
      conversation: (id) => this.personas.conversation(id),
    })
    void this.refreshGpus()
  }

  /** Pinned and loaded models (the scheduler's workers), and those with requests running or waiting. */
  private modelsToKeep(): Map<string, CacheKeepReason> {
    const keep = new Map<string, CacheKeepReason>()
    for (const w of this.scheduler.list()) keep.set(w.modelId, w.pinned ? 'pinned' : w.inFlight || w.queued ? 'in use' : 'loaded')
    for (const id of this.requestsByModel.keys()) if (keep.get(id) !== 'pinned') keep.set(id, 'in use')
    return keep
  }

  /** Count a request against its model until `release`, so the cache limit never removes it meanwhile. */
  private holdModel(id: string): () => void {
    this.requestsByModel.set(id, (this.requestsByModel.get(id) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.requestsByModel.get(id) ?? 1) - 1
      if (left > 0) this.requestsByModel.set(id, left)
      else this.requestsByModel.delete(id)
    }
  }

  /** Install a model (`model.install`), then keep the downloaded models under the cache limit. */
  async installModel(ref: string, options: { sha256?: string; onProgress?: (p: InstallProgress) => void; signal?: AbortSignal }): Promise<ModelInstallResult> {
    const info = await this.models.install(ref, options)
    if (info.path) this.cache.markUsed(info.path)
    const { evicted, overLimit } = await this.cache.enforce('install', info.id)
    return { ...info, evicted, cacheOverLimit: overLimit }
  }

  /** Change a setting; a lower `maxModelCacheSize` removes models at once (reported as an alert). */
  async setSetting(key: string, value: unknown): Promise<SettingRow> {
    const row = this.settings.set(key, value)
    if (row.key === 'maxModelCacheSize') await this.cache.enforce('setting')
    if (row.key === 'conversationMaxMessages' || row.key === 'conversationMaxDays') {
      if (this.personas.prune(this.retention())) this.didChangePersonas.fire()
    }
    return row
  }

  /**
   * The GPU reading (systeminformation): waited for only the first time; afterwards a reading older
   * than a minute is refreshed in the background, never on a request's path.
   */
  async refreshGpus(): Promise<void> {
    if (this.gpuRead) {
      if (!this.gpusReadAt) return this.gpuRead
      return
    }
    if (this.gpusReadAt && Date.now() - this.gpusReadAt < 60_000) return
    this.gpuRead = (async () => {
      this.gpus = await (this.options.detectGpus ?? detectGpus)()
      this.gpusReadAt = Date.now()
      this.gpuRead = null
    })()
    if (!this.gpusReadAt) return this.gpuRead
  }

  async budget(): Promise<MemoryBudget> {
    await this.refreshGpus()
    return this.scheduler.budget()
  }

  async modelRef(resolved: ResolvedModel, contextSize?: number): Promise<ModelRef> {
    if (!resolved.path) throw new WardenError('NOT_FOUND', `${resolved.name} is not installed`, { hint: `Install it: warden model install ${resolved.install?.uri ?? resolved.id}` })
    return { id: resolved.id, name: resolved.name, path: resolved.path, estimateBytes: await this.models.estimate(resolved.path, contextSize), contextSize }
  }

  /**
   * A model ready to schedule: resolved, and installed first when the setting allows. It is held
   * (the cache limit leaves it on disk) until the caller calls `release`.
   */
  private async readyModel(ref: string, call: ReadyCall): Promise<{ model: ModelRef; installed: boolean; release: () => void }> {
    await this.refreshGpus() // the budget needs the first GPU reading
    const resolved = await this.models.resolve(ref)
    const release = this.holdModel(resolved.id)
    try {
      return { ...(await this.readyResolved(ref, resolved, call)), release }
    } catch (error) {
      release()
      throw error
    }
  }

  private async readyResolved(ref: string, resolved: ResolvedModel, call: ReadyCall): Promise<{ model: ModelRef; installed: boolean }> {
    let installed = false
    if (!resolved.path) {
      if (!this.settings.get().autoInstallModels) {
        throw new WardenError('NOT_FOUND', `${resolved.name} is not installed, and autoInstallModels is off`, {
          hint: `Install it: warden model install ${resolved.install?.uri ?? ref}  (or: warden config set autoInstallModels true)`,
        })
      }
      call.onProgress?.('installing', `Installing ${resolved.name}…`, 0)
      await this.models.installResolved(resolved, {
        signal: call.signal,
        onProgress: (p) =>
          call.onProgress?.(
            'installing',
            `Installing ${resolved.name}: ${formatBytes(p.bytesDownloaded)}${p.bytesTotal ? ` of ${formatBytes(p.bytesTotal)}` : ''}`,
            p.percent === null ? null : p.percent / 100,
          ),
      })
      resolved = await this.models.resolve(ref)
      installed = true
    }
    if (resolved.path) this.cache.markUsed(resolved.path)
    if (installed) await this.cache.enforce('install', resolved.id)
    return { model: await this.modelRef(resolved, call.contextSize), installed }
  }

  /** Generate an answer from a persona: install and load its model as needed, stream the text. */
  async generate(call: GenerateCall): Promise<GenerationResult> {
    return this.watched(call, (onText) => this.generateMeasured({ ...call, onText }))
  }

  /**
   * A generation the health monitor does not see, with the token statistics the worker measured: the
   * healing sandbox's probe prompts measure a patch, not the persona's real use.
   */
  async probe(call: GenerateCall): Promise<MeasuredResult> {
    return this.generateMeasured(call)
  }

  /** Runs a generation and reports it through onDidGenerate, finished or failed. */
  private async watched<A extends unknown[]>(call: { persona: Persona; onText?: (text: string, ...rest: A) => void }, run: (onText: (text: string, ...rest: A) => void) => Promise<MeasuredResult>): Promise<GenerationResult> {
    const watch = new GenerationWatch(call.persona.name)
    try {
      const { stats, ...result } = await run(watch.onText(call.onText))
      this.didGenerate.fire(watch.finished({ ...result, stats }))
      return result
    } catch (error) {
      this.didGenerate.fire(watch.failed(error, call.persona.model))
      throw error
    }
  }

  private async generateMeasured(call: GenerateCall): Promise<MeasuredResult> {
    const started = Date.now()
    const { model, installed, release } = await this.readyModel(call.persona.model, { ...call, contextSize: call.persona.settings.contextSize })
    try {
      return await this.generateOn(model, installed, started, call)
    } finally {
      release()
    }
  }

  private async generateOn(model: ModelRef, installed: boolean, started: number, call: GenerateCall): Promise<MeasuredResult> {
    const overrides = Object.fromEntries(Object.entries(call.settings ?? {}).filter(([, v]) => v !== undefined && v !== null))
    const s = { ...call.persona.settings, ...overrides }
    const scheduled = await this.scheduler.submit(model, { priority: priorities[call.priority], signal: call.signal, timeoutMs: call.timeoutMs }, async ({ worker, slot, signal }) => {
      const id = randomUUID()
      const onAbort = () => worker.abort(id)
      signal.addEventListener('abort', onAbort, { once: true })
      try {
        const r = await worker.generate(
          {
            id,
            sessionKey: call.sessionKey ?? conversationKey(call),
            systemPrompt: call.systemPrompt ?? call.persona.systemPrompt,
            history: call.history,
            historyStart: call.historyStart ?? 0,
            keepCache: call.keepCache ?? true,
            prompt: call.prompt,
            temperature: s.temperature,
            topP: s.topP,
            maxTokens: s.maxTokens,
            seed: s.seed ?? randomSeed(),
            overflow: call.overflow ?? 'dropOldest',
            ...call.features,
            ...(call.adapters?.length ? { adapters: call.adapters } : {}),
            ...(call.measure === false ? { measure: false } : {}),
          },
          (text, logprobs) => call.onText?.(text, logprobs),
        )
        slot.tokensGenerated += r.tokens
        if (r.tokens > 0 && r.durationMs > 0) slot.tokensPerSecond = Math.round((r.tokens / r.durationMs) * 1000 * 10) / 10
        return r
      } catch (error) {
        throw withPersonaHint(WardenError.from(error), call.persona)
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
    })
    const r = scheduled.value
    return {
      text: r.text,
      tokens: r.tokens,
      promptTokens: r.promptTokens,
      evaluatedTokens: r.evaluatedTokens,
      leftOutMessages: r.droppedTurns,
      tokensPerSecond: r.tokens > 0 && r.durationMs > 0 ? Math.round((r.tokens / r.durationMs) * 1000 * 10) / 10 : null,
      durationMs: Date.now() - started,
      waitedMs: scheduled.waitedMs,
      modelId: model.id,
      finishReason: r.finishReason,
      ...(r.toolCalls ? { toolCalls: r.toolCalls } : {}),
      ...(r.logprobs ? { logprobs: r.logprobs } : {}),
      ...(r.stats ? { stats: r.stats } : {}),
      installed,
      loaded: scheduled.loaded,
      evicted: scheduled.evicted,
    }
  }

  /** A raw completion of `call.prompt` on the persona's model (loaded as for a chat). */
  async complete(call: CompleteCall): Promise<GenerationResult> {
    return this.watched(call, (onText) => this.completeMeasured({ ...call, onText }))
  }

  private async completeMeasured(call: CompleteCall): Promise<MeasuredResult> {
    const started = Date.now()
    const { model, installed, release } = await this.readyModel(call.persona.model, { ...call, contextSize: call.persona.settings.contextSize })
    try {
      const s = { ...call.persona.settings, ...Object.fromEntries(Object.entries(call.settings ?? {}).filter(([, v]) => v !== undefined && v !== null)) }
      const scheduled = await this.onWorker(model, call, (worker, id) =>
        worker.request<'complete'>({ type: 'complete', id, prompt: call.prompt, temperature: s.temperature, topP: s.topP, maxTokens: s.maxTokens, seed: s.seed ?? randomSeed(), ...(call.stop ? { stop: call.stop } : {}), ...(call.measure === false ? { measure: false } : {}) }, (text) => call.onText?.(text)),
      )
      const r = scheduled.value
      const tokensPerSecond = r.tokens > 0 && r.durationMs > 0 ? Math.round((r.tokens / r.durationMs) * 1000 * 10) / 10 : null
      return { ...r, leftOutMessages: 0, tokensPerSecond, durationMs: Date.now() - started, waitedMs: scheduled.waitedMs, modelId: model.id, installed, loaded: scheduled.loaded, evicted: scheduled.evicted }
    } finally {
      release()
    }
  }

  /**
   * Embedding vectors of `texts` from a persona's model (`ref` is a persona's name) or an installed
   * model (its id): never a path or a URL, which a caller of `/v1` must not make Warden open or fetch.
   */
  async embed(ref: string, texts: string[], call: { priority: Priority; signal?: AbortSignal }): Promise<{ vectors: number[][]; tokens: number; modelId: string }> {
    const persona = this.personas.find(ref)
    let resolved: ResolvedModel
    if (persona) resolved = await this.models.resolve(persona.model)
    else {
      const info = (await this.models.list()).find((m) => m.id === ref.trim() && m.installed && m.path)
      if (!info?.path) throw new WardenError('NOT_FOUND', `No persona or installed model named ${JSON.stringify(ref)}`, { hint: 'Name a persona (GET /v1/models) or an installed model (warden model list).' })
      resolved = { id: info.id, name: info.name, path: info.path, install: null }
    }
    const release = this.holdModel(resolved.id)
    try {
      await this.refreshGpus()
      const { model } = await this.readyResolved(resolved.id, resolved, { ...call, contextSize: persona?.settings.contextSize })
      const scheduled = await this.onWorker(model, call, async (worker, id) => {
        const vectors: number[][] = []
        let tokens = 0
        for (const text of texts) {
          if (call.signal?.aborted) throw new WardenError('CANCELLED', 'The request was cancelled while its texts were embedded')
          const r = await worker.request<'embed'>({ type: 'embed', id: `${id}-${vectors.length}`, text })
          vectors.push(r.vector)
          tokens += r.tokens
        }
        return { vectors, tokens }
      })
      return { ...scheduled.value, modelId: model.id }
    } finally {
      release()
    }
  }

  /** Run one request on the model's worker through the queue, aborting it on the worker when the request is cancelled. */
  private onWorker<T>(model: ModelRef, call: { priority: Priority; signal?: AbortSignal }, run: (worker: RunContext['worker'], id: string) => Promise<T>) {
    return this.scheduler.submit(model, { priority: priorities[call.priority], signal: call.signal }, async ({ worker, signal }) => {
      const id = randomUUID()
      const onAbort = () => worker.abort(id)
      signal.addEventListener('abort', onAbort, { once: true })
      try {
        return await run(worker, id)
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
    })
  }

  /** A turn of the persona's conversation (kept in the database unless `stateless`). */
  async chat(input: { name: string; prompt: string; priority: Priority; stateless: boolean; timeoutMs?: number; adapters?: GenerateCall['adapters'] }, ctx: { signal?: AbortSignal; onText?: (t: string) => void; onProgress?: GenerateCall['onProgress'] }): Promise<GenerationResult> {
    const persona = this.personas.get(input.name)
    if (input.stateless) return this.chatTurn(persona, input, ctx)
    // Turns that change the conversation are counted, so a checkpoint can wait for them to be stored.
    const turn = this.checkpoints.beforeGenomeSwap(persona, input.adapters ?? []).then(() => this.chatTurn(persona, input, ctx))
    const running = this.turnsRunning.get(persona.id) ?? new Set<Promise<unknown>>()
    this.turnsRunning.set(persona.id, running.add(turn))
    try {
      return await turn
    } finally {
      running.delete(turn)
      if (!running.size) this.turnsRunning.delete(persona.id)
    }
  }

  /** Turns of each persona's conversation running now (answer being generated or stored). */
  private readonly turnsRunning = new Map<string, Set<Promise<unknown>>>()
  /** The adapter set each persona's stored conversation was last answered with (a checkpoint saves the state of that set's context). */
  readonly conversationAdapters = new Map<string, NonNullable<GenerateCall['adapters']>>()

  /** Resolves once the persona's conversation turns running now have ended (stored, or failed). */
  async turnsSettled(personaId: string): Promise<void> {
    await Promise.allSettled([...(this.turnsRunning.get(personaId) ?? [])])
  }

  private async chatTurn(persona: Persona, input: { prompt: string; priority: Priority; stateless: boolean; timeoutMs?: number; adapters?: GenerateCall['adapters'] }, ctx: { signal?: AbortSignal; onText?: (t: string) => void; onProgress?: GenerateCall['onProgress'] }): Promise<GenerationResult> {
    const epoch = this.personas.epoch(persona.id)
    // Only the newest messages the context could hold: the worker leaves out the rest anyway.
    const stored = input.stateless ? null : this.personas.recentHistory(persona.id, persona.settings.contextSize * MAX_CHARS_PER_TOKEN)
    const history = stored ? stored.messages.map((m) => ({ role: m.role, text: m.text })) : []
    const at = Date.now()
    const recovered = stored ? await this.crashRecovery.beforeTurn(persona, personaSessionKey(persona, epoch), input.adapters ?? []) : null
    const result = await this.generate({
      persona,
      history,
      historyStart: stored?.start ?? 0,
      // Stateless turns get their own key, and leave the stored conversation's cache alone.
      sessionKey: stored ? personaSessionKey(persona, epoch) : undefined,
      keepCache: !input.stateless,
      prompt: input.prompt,
      priority: input.priority,
      signal: ctx.signal,
      timeoutMs: input.timeoutMs,
      onText: ctx.onText,
      onProgress: ctx.onProgress,
      adapters: input.adapters,
    })
    // Not stored when the conversation was cleared, or the persona deleted, while it answered.
    if (!input.stateless && this.personas.epoch(persona.id) === epoch) {
      this.conversationAdapters.set(persona.id, input.adapters ?? [])
      this.checkpoints.noteChat(persona.id, persona.settings.genome)
      this.crashRecovery.noteServed(persona.id, personaSessionKey(persona, epoch), result.modelId)
      this.personas.append(persona.id, [
        { role: 'user', text: input.prompt, at },
        { role: 'assistant', text: result.text, at: Date.now() },
      ])
      this.personas.prune(this.retention(), persona.id)
      this.didChangePersonas.fire()
    }
    // Stored messages not even read count as left out too.
    return stored ? { ...result, leftOutMessages: result.leftOutMessages + stored.total - stored.messages.length, ...(recovered ? { crashRecovery: recovered } : {}) } : result
  }

  /** What the settings keep of each conversation. */
  private retention(): { maxMessages: number; maxDays: number } {
    const { conversationMaxMessages, conversationMaxDays } = this.settings.get()
    return { maxMessages: conversationMaxMessages, maxDays: conversationMaxDays }
  }

  /** A persona on a model that names something now, not at its first chat; a file is kept as its model id. */
  async createPersona(input: PersonaInput): Promise<Persona> {
    const resolved = await this.models.resolve(input.model)
    const persona = this.personas.create({ ...input, model: resolved.install ? input.model : resolved.id })
    this.didChangePersonas.fire()
    return persona
  }

  async updatePersona(name: string, change: { newName?: string; model?: string; systemPrompt?: string; settings?: Partial<GenerationSettings> }): Promise<Persona> {
    if (change.model) {
      const resolved = await this.models.resolve(change.model)
      if (!resolved.install) change = { ...change, model: resolved.id }
    }
    const persona = this.personas.update(name, change)
    this.didChangePersonas.fire()
    return persona
  }

  /** Delete a persona, its conversation and its checkpoints. */
  async deletePersona(name: string): Promise<Persona> {
    const persona = this.personas.delete(name)
    await this.checkpoints.forget(persona)
    this.crashRecovery.forget(persona.id)
    this.didChangePersonas.fire()
    return persona
  }

  /** Forget a persona's conversation; resolves to the messages forgotten. */
  clearConversation(name: string): { persona: Persona; cleared: number } {
    const persona = this.personas.get(name)
    const cleared = this.personas.clear(persona.id)
    this.didChangePersonas.fire()
    return { persona, cleared }
  }

  /** Every model (catalog, downloaded, local) with whether it is loaded; the models folder and its free space. */
  async listModels() {
    const models = await this.models.list((id) => this.scheduler.isLoaded(id))
    return { models, storagePath: this.models.modelsDir, freeBytes: await this.modelsDirFree(), cache: this.cache.state(models) }
  }

  /** An installed model's facts and the memory it needs for this context size, sequences and GPU offload. */
  async inspectModel(id: string, load: { contextSize: number; gpuLayers: number; sequences: number }) {
    const model = await this.models.info(id, (x) => this.scheduler.isLoaded(x))
    if (!model.path || !model.installed) throw new WardenError('NOT_FOUND', `${model.name} is not installed, so its GGUF cannot be read yet`, { hint: `Install it: warden model install ${model.id}` })
    const shape = await this.models.shape(model.path)
    return { model, estimate: { ...splitMemory(shape, load.contextSize, load.sequences, load.gpuLayers), sequences: load.sequences } }
  }

  /** The workers (with fresh stats), the memory budget and the queue. */
  async workers() {
    await this.scheduler.refreshStats()
    return { workers: this.scheduler.list(), ...this.scheduler.spares(), budget: await this.budget(), queue: { depth: this.scheduler.queueDepth(), max: this.settings.get().maxQueueSize }, cores: this.scheduler.cores }
  }

  /** Restart a model's worker (also lifts a quarantine). */
  async restartWorker(id: string) {
    return this.scheduler.info(await this.scheduler.restart(await this.modelRefById(id)))
  }

  /** Pin a model (never paged out), or unpin it. */
  pinModel(id: string, pinned: boolean) {
    return this.scheduler.info(this.scheduler.pin(id, pinned))
  }

  async loadModel(ref: string, signal?: AbortSignal) {
    const { model, release } = await this.readyModel(ref, { signal })
    try {
      return this.scheduler.info(await this.scheduler.load(model))
    } finally {
      release()
    }
  }

  /** A model id as the scheduler knows it: loaded ones by id, else resolved. */
  async modelRefById(id: string): Promise<ModelRef> {
    const slot = this.scheduler.slot(id)
    if (slot) return slot.model
    return this.modelRef(await this.models.resolve(id))
  }

  async removeModel(id: string) {
    await this.scheduler.unload(id)
    const removed = await this.models.remove(id)
    if (removed.deletedFile) this.cache.usage.forget(removed.deletedFile)
    return removed
  }

  modelsDirFree(): Promise<number | null> {
    const dir = this.models.modelsDir
    let probe = dir
    while (!fs.existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe)
    return fs.promises.statfs(probe).then(
      (s) => s.bavail * s.bsize,
      () => null,
    )
  }

  async dispose(): Promise<void> {
    this.stopSettings()
    // Before the workers stop: their states go into the checkpoints (autoCheckpoint).
    // A checkpoint that cannot be written must not keep the workers running: noted, and the rest goes on.
    await this.checkpoints.beforeShutdown().catch((error: unknown) => logFailure('Checkpoints before shutting down', error))
    await this.scheduler.dispose()
    await this.checkpoints.dispose().catch((error: unknown) => logFailure('Removing paged-out states', error))
    for (const emitter of [this.didChangeWorkers, this.didChangeModels, this.didChangePersonas, this.didAlert]) emitter.dispose()
  }
}
