import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { priorities, type GenerationResult, type GenerationSettings, type MemoryBudget, type Persona, type Priority } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import { formatBytes } from '../../../shared/format'
import { ModelService, type ResolvedModel } from '../models/ModelService'
import { PersonaStore } from '../personas/PersonaStore'
import { computeBudget, detectGpus, type GpuReading } from '../scheduler/budget'
import { ModelScheduler, type ModelRef } from '../scheduler/ModelScheduler'
import { SettingsStore } from '../settings/SettingsStore'
import type { WardenDatabase } from '../storage/Database'
import type { WorkerLogSink } from '../logging/WorkerLogs'
import type { WorkerLauncher } from '../workers/launcher'
import type { ChatTurn, ContextLengthExceeded, Overflow } from '../workers/protocol'

export interface InferenceEvents {
  workersChanged(reason: string): void
  modelsChanged(): void
  personasChanged(): void
  alert(alert: { level: 'info' | 'warning' | 'error'; title: string; message: string }): void
}

export interface InferenceOptions {
  home: string
  database: WardenDatabase
  launcher: WorkerLauncher
  /** Where each worker's output goes, per model (logs/workers/). */
  workerLogs?: WorkerLogSink
  events: InferenceEvents
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
  prompt: string
  settings?: Partial<GenerationSettings>
  /** A conversation longer than the context: refused, or its oldest turns left out. Defaults to `dropOldest`. */
  overflow?: Overflow
  priority: Priority
  signal?: AbortSignal
  timeoutMs?: number
  onText?: (text: string) => void
  onProgress?: (phase: string, message: string, fraction: number | null) => void
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
  private gpus: GpuReading[] = []
  private gpusReadAt = 0
  private gpuRead: Promise<void> | null = null

  constructor(private readonly options: InferenceOptions) {
    this.settings = new SettingsStore(options.database)
    this.models = new ModelService({
      database: options.database,
      modelsDir: () => this.settings.get().modelStoragePath || path.join(options.home, 'models'),
      loadShape: () => ({ contextSize: 1024, sequences: this.settings.get().parallelRequestsPerModel }),
      onChange: () => options.events.modelsChanged(),
      freeSpace: options.freeSpace,
    })
    this.personas = new PersonaStore(options.database)
    this.scheduler = new ModelScheduler({
      launcher: options.launcher,
      workerLogs: options.workerLogs,
      settings: () => this.settings.get(),
      budget: () => computeBudget(this.settings.get().maxVRAM, this.gpus),
      onChange: (reason) => options.events.workersChanged(reason),
      onAlert: (a) => options.events.alert(a),
      ...options.scheduler,
    })
    void this.refreshGpus()
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

  /** A model ready to schedule: resolved, and installed first when the setting allows. */
  private async readyModel(ref: string, call: { signal?: AbortSignal; onProgress?: GenerateCall['onProgress']; contextSize?: number }): Promise<{ model: ModelRef; installed: boolean }> {
    await this.refreshGpus() // the budget needs the first GPU reading
    let resolved = await this.models.resolve(ref)
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
    return { model: await this.modelRef(resolved, call.contextSize), installed }
  }

  /** Generate an answer from a persona: install and load its model as needed, stream the text. */
  async generate(call: GenerateCall): Promise<GenerationResult> {
    const started = Date.now()
    const { model, installed } = await this.readyModel(call.persona.model, { ...call, contextSize: call.persona.settings.contextSize })
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
            sessionKey: call.persona.id,
            systemPrompt: call.systemPrompt ?? call.persona.systemPrompt,
            history: call.history,
            prompt: call.prompt,
            temperature: s.temperature,
            topP: s.topP,
            maxTokens: s.maxTokens,
            seed: s.seed,
            overflow: call.overflow ?? 'dropOldest',
          },
          (text) => call.onText?.(text),
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
      tokensPerSecond: r.tokens > 0 && r.durationMs > 0 ? Math.round((r.tokens / r.durationMs) * 1000 * 10) / 10 : null,
      durationMs: Date.now() - started,
      waitedMs: scheduled.waitedMs,
      modelId: model.id,
      finishReason: r.finishReason,
      installed,
      loaded: scheduled.loaded,
      evicted: scheduled.evicted,
    }
  }

  /** A turn of the persona's conversation (kept in the database unless `stateless`). */
  async chat(input: { name: string; prompt: string; priority: Priority; stateless: boolean; timeoutMs?: number }, ctx: { signal?: AbortSignal; onText?: (t: string) => void; onProgress?: GenerateCall['onProgress'] }): Promise<GenerationResult> {
    const persona = this.personas.get(input.name)
    const history = input.stateless ? [] : this.personas.history(persona.id).map((m) => ({ role: m.role, text: m.text }))
    const at = Date.now()
    const epoch = this.personas.epoch(persona.id)
    const result = await this.generate({ persona, history, prompt: input.prompt, priority: input.priority, signal: ctx.signal, timeoutMs: input.timeoutMs, onText: ctx.onText, onProgress: ctx.onProgress })
    // Not stored when the conversation was cleared, or the persona deleted, while it answered.
    if (!input.stateless && this.personas.epoch(persona.id) === epoch) {
      this.personas.append(persona.id, [
        { role: 'user', text: input.prompt, at },
        { role: 'assistant', text: result.text, at: Date.now() },
      ])
      this.options.events.personasChanged()
    }
    return result
  }

  async loadModel(ref: string, signal?: AbortSignal) {
    const { model } = await this.readyModel(ref, { signal })
    const slot = await this.scheduler.load(model)
    return this.scheduler.info(slot)
  }

  /** A model id as the scheduler knows it: loaded ones by id, else resolved. */
  async modelRefById(id: string): Promise<ModelRef> {
    const slot = this.scheduler.slot(id)
    if (slot) return slot.model
    return this.modelRef(await this.models.resolve(id))
  }

  async removeModel(id: string) {
    await this.scheduler.unload(id)
    return this.models.remove(id)
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

  dispose(): Promise<void> {
    return this.scheduler.dispose()
  }
}
