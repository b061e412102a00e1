import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AnyEvent, EventName, EventPayload } from '../../../shared/contract/events'
import { isOperationName, operations, type OperationName } from '../../../shared/contract/operations'
import type { WorkspaceInfo } from '../../../shared/contract/schemas'
import { parseInput } from '../../../shared/contract/validate'
import { WardenError, type Result } from '../../../shared/errors'
import { ApiKeyService } from '../apikeys/ApiKeyService'
import { createDemoWorkspace } from '../demo/createDemoWorkspace'
import { processAlive } from '../locking/processAlive'
import { writeTinyModel } from '../models/tinyGguf'
import { HibernationService } from '../hibernation/HibernationService'
import { WardenDatabase } from '../storage/Database'
import { homePaths, type HomePaths } from '../storage/paths'
import { ensurePrivateHome } from '../storage/privateHome'
import { UsageStore } from '../storage/UsageStore'
import { Workspace } from '../workspace/Workspace'
import { InferenceService, type InferenceOptions } from '../inference/InferenceService'
import { ForkLauncher, type WorkerLauncher } from '../workers/launcher'
import { logAlert, logCall } from '../logging/callLog'
import { LogService } from '../logging/LogService'
import { logger } from '../logging/processLog'
import { createHandlers, type Handlers } from './handlers'
import { WorkspaceWatcher } from './WorkspaceWatcher'

export type Runtime = 'electron' | 'server' | 'cli'

export interface WardenHostOptions {
  home: string
  runtime: Runtime
  /** Watch the open workspace for changes by other processes. Defaults to true except for the CLI. */
  watch?: boolean
  /** Extra versions for the about box (electron, chrome…). */
  versions?: Record<string, string>
  /** gzip level of hibernation archives. Defaults to 4. */
  gzipLevel?: number
  /** The clock (tests move it forward to age hibernations). Defaults to `Date.now`. */
  now?: () => number
  /** better-sqlite3 addon built for this runtime (Electron in development). Defaults to node_modules'. */
  sqliteBinding?: string
  /** Starts inference workers: `utilityProcess` in the app; `child_process.fork` by default. */
  launcher?: WorkerLauncher
  /** Inference tuning for tests (GPU readings, free disk space, crash back-off). */
  inference?: Pick<InferenceOptions, 'detectGpus' | 'freeSpace' | 'scheduler'>
}

const log = logger('host')

export function readOwnVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'warden' && pkg.version) return pkg.version
    } catch {
      // keep walking up
    }
    dir = path.dirname(dir)
  }
  return '0.0.0'
}

/**
 * Hosts Warden's services for one process (app, server or CLI) and serves the contract: every
 * adapter calls `invoke`, which validates the input, runs the handler and returns a Result.
 */
export class WardenHost {
  readonly paths: HomePaths
  readonly database: WardenDatabase
  readonly usage: UsageStore
  /** Keys that reach only the OpenAI-compatible endpoint. */
  readonly apiKeys: ApiKeyService
  /** The logs in `<home>/logs`, and each model's worker output. */
  readonly logs: LogService
  private hibernation: HibernationService | null = null
  private inferenceService: InferenceService | null = null
  private readonly calls = new Map<string, AbortController>()
  private watcher: WorkspaceWatcher | null = null
  private readonly handlers: Handlers
  private readonly listeners = new Set<(event: AnyEvent) => void>()
  private readonly version = readOwnVersion()

  constructor(private readonly options: WardenHostOptions) {
    this.paths = homePaths(options.home)
    ensurePrivateHome(this.paths.home)
    this.database = new WardenDatabase(this.paths.database, options.sqliteBinding)
    this.usage = new UsageStore(this.database)
    this.apiKeys = new ApiKeyService(this.database)
    this.logs = new LogService(this.paths.logs)
    this.handlers = createHandlers(this)
  }

  get home(): string {
    return this.paths.home
  }

  /** Reopen the workspace used last (app and server), if it still exists. */
  async restoreLastWorkspace(): Promise<void> {
    const last = this.database.getSetting<string>('lastWorkspace')
    if (last && fs.existsSync(last)) await this.openWorkspace(last).catch((error: unknown) => log.warn(`Could not reopen the last workspace ${last}`, { err: error }))
  }

  onEvent(listener: (event: AnyEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of [...this.listeners]) l({ event, payload } as AnyEvent)
  }

  async invoke(name: string, rawInput: unknown, callId: string = randomUUID()): Promise<Result<unknown>> {
    const startedAt = performance.now()
    try {
      if (!isOperationName(name)) throw new WardenError('NOT_FOUND', `Unknown operation ${JSON.stringify(name)}`)
      const input = parseInput(name, rawInput)
      const handler = this.handlers[name] as (input: unknown, ctx: Parameters<Handlers[OperationName]>[1]) => Promise<unknown>
      const abort = new AbortController()
      this.calls.set(callId, abort)
      try {
        const value = await handler(input, {
          callId,
          signal: abort.signal,
          progress: (phase, message, fraction = null) => this.emit('operation.progress', { callId, operation: name, phase, message, fraction }),
        })
        const output = operations[name].output.parse(value)
        logCall(name, startedAt)
        return { ok: true, value: output }
      } finally {
        this.calls.delete(callId)
      }
    } catch (error) {
      if (isOperationName(name)) logCall(name, startedAt, error)
      return { ok: false, error: WardenError.from(error).toJSON() }
    }
  }

  /** Cancel a running call (a download, a generation) by its id. */
  cancel(callId: string): boolean {
    const call = this.calls.get(callId)
    call?.abort()
    return Boolean(call)
  }

  /** Models, workers and personas; started on first use (a CLI command about modules never starts it). */
  get inference(): InferenceService {
    this.inferenceService ??= new InferenceService({
      home: this.home,
      database: this.database,
      launcher: this.options.launcher ?? new ForkLauncher(),
      workerLogs: this.logs.workers,
      events: {
        workersChanged: (reason) => this.emit('workers.changed', { at: Date.now(), reason }),
        modelsChanged: () => this.emit('models.changed', { at: Date.now() }),
        personasChanged: () => this.emit('personas.changed', { at: Date.now() }),
        alert: (a) => {
          logAlert(a)
          this.emit('alert', { ...a, at: Date.now() })
        },
      },
      ...this.options.inference,
      scheduler: { spareWorker: this.options.runtime !== 'cli', ...this.options.inference?.scheduler },
    })
    return this.inferenceService
  }

  /** Stop the workers (grace period, then kill), then close everything. */
  async shutdown(): Promise<void> {
    for (const c of this.calls.values()) c.abort()
    await this.inferenceService?.dispose()
    this.dispose()
  }

  requireHibernation(): HibernationService {
    if (!this.hibernation) {
      throw new WardenError('NO_WORKSPACE', 'No workspace is open', { hint: 'Open a folder of modules, or create the demo workspace.' })
    }
    return this.hibernation
  }

  info() {
    return {
      version: this.version,
      runtime: this.options.runtime,
      versions: { warden: this.version, node: process.versions.node, v8: process.versions.v8, ...this.options.versions },
      home: this.home,
      platform: `${process.platform}-${process.arch}`,
    }
  }

  /** The OpenAI-compatible API of the Warden server running for this home (its discovery file), or null. */
  openAiEndpoint(): string | null {
    try {
      const found = JSON.parse(fs.readFileSync(path.join(this.home, 'server.json'), 'utf8')) as { url?: unknown; pid?: unknown }
      return typeof found.url === 'string' && typeof found.pid === 'number' && processAlive(found.pid) ? `${found.url}v1` : null
    } catch {
      return null
    }
  }

  workspaceInfo(): (WorkspaceInfo & { recent: string[] }) | null {
    const recent = (this.database.db.prepare('SELECT path FROM recent_workspaces ORDER BY opened_at DESC LIMIT 10').all() as Array<{ path: string }>).map((r) => r.path)
    return this.hibernation ? { ...this.describe(this.hibernation.workspace), recent } : null
  }

  private describe(ws: Workspace): WorkspaceInfo {
    return { path: ws.root, kinds: ws.kinds, hibernationDir: ws.hibernationDir, archiveDir: this.paths.moduleArchive }
  }

  async openWorkspace(folder: string): Promise<WorkspaceInfo> {
    const ws = await Workspace.open(folder)
    this.watcher?.dispose()
    this.hibernation = new HibernationService({
      workspace: ws,
      database: this.database,
      usage: this.usage,
      archiveDir: this.paths.moduleArchive,
      gzipLevel: this.options.gzipLevel,
      now: this.options.now,
    })
    this.hibernation.onDidChange(() => this.emit('modules.changed', { workspace: ws.root, source: 'operation', at: Date.now() }))
    if (this.options.watch ?? this.options.runtime !== 'cli') {
      this.watcher = new WorkspaceWatcher(ws, () => this.emit('modules.changed', { workspace: ws.root, source: 'disk', at: Date.now() }))
    }
    if (this.options.runtime !== 'cli') {
      this.database.setSetting('lastWorkspace', ws.root)
      this.database.db.prepare('INSERT OR REPLACE INTO recent_workspaces (path, opened_at) VALUES (?, ?)').run(ws.root, Date.now())
      this.emit('workspace.changed', { path: ws.root })
    }
    return this.describe(ws)
  }

  async createDemo(folder: string): Promise<WorkspaceInfo & { modules: number }> {
    const { root, modules } = await createDemoWorkspace(folder)
    await this.createDemoPersonas()
    return { ...(await this.openWorkspace(root)), modules }
  }

  /**
   * Two tiny random-weight models (generated, a few hundred KB; they answer gibberish, fast) and
   * personas on them, so the inference pages have something real to run without any download.
   */
  async createDemoPersonas(): Promise<void> {
    const ai = this.inference
    const dir = ai.models.modelsDir
    const demo = [
      { persona: 'Ada', model: 'demo-tiny-a', seed: 11, prompt: 'You are Ada, a careful reviewer.' },
      { persona: 'Brook', model: 'demo-tiny-b', seed: 22, prompt: 'You are Brook, a quick summarizer.' },
    ]
    for (const d of demo) {
      const file = path.join(dir, `${d.model}.gguf`)
      if (!fs.existsSync(file)) await writeTinyModel(file, { name: d.model, seed: d.seed })
      await ai.models.add(file, 'download')
      if (!ai.personas.find(d.persona)) ai.personas.create({ name: d.persona, model: d.model, systemPrompt: d.prompt, settings: { maxTokens: 64, temperature: 0.7 } })
    }
    this.emit('personas.changed', { at: Date.now() })
    this.emit('models.changed', { at: Date.now() })
  }

  dispose(): void {
    this.watcher?.dispose()
    this.watcher = null
    this.listeners.clear()
    this.logs.dispose()
    this.database.dispose()
  }
}
