import { z } from 'zod'
import { defineOperation } from './operation'
import {
  ActiveModule,
  EpochMs,
  ErrorInfo,
  FileChange,
  HibernatedVersion,
  ModuleName,
  VerifyProblem,
  WorkspaceInfo,
} from './schemas'
import {
  ChatMessage,
  GenerationResult,
  GenerationSettings,
  MemoryBudget,
  ModelInfo,
  Persona,
  PersonaName,
  Priority,
  SettingRow,
  WorkerInfo,
} from './inference'
import { ApiKeyInfo, ApiKeyName } from './apiKeys'
import { logOperations } from './logs'

const Empty = z.object({})
/** A file or folder path a person gives: bounded, and without NUL (no file system accepts one). */
const FsPath = (required: string) =>
  z.string().min(1, required).max(4096, 'a path is at most 4096 characters').refine((p) => !p.includes('\0'), 'a path cannot contain a NUL byte')
const Days = z.number().nonnegative('days cannot be negative').max(36500)

const HibernatedEntry = z.object({
  archivePath: z.string(),
  metadataPath: z.string(),
  name: z.string(),
  size: z.number(),
  fileCount: z.number(),
})

/** Every operation Warden offers, once. Adapters (IPC, HTTP/WebSocket, CLI) are generated from this. */
export const operations = {
  'app.info': defineOperation({
    summary: 'Versions and paths of this Warden',
    input: Empty,
    output: z.object({
      version: z.string(),
      runtime: z.enum(['electron', 'server', 'cli']),
      versions: z.record(z.string(), z.string()),
      home: z.string(),
      platform: z.string(),
    }),
    mutates: false,
    cli: { command: ['info'] },
  }),

  'workspace.get': defineOperation({
    summary: 'The workspace currently open, or null',
    input: Empty,
    output: WorkspaceInfo.extend({ recent: z.array(z.string()) }).nullable(),
    mutates: false,
    cli: { command: ['workspace', 'show'] },
  }),
  'workspace.open': defineOperation({
    summary: 'Open a folder as the workspace',
    input: z.object({ path: FsPath('a folder path is required') }),
    output: WorkspaceInfo,
    mutates: true,
    cli: false,
  }),
  'workspace.createDemo': defineOperation({
    summary: 'Generate a demo workspace (about 20 small modules) and open it',
    input: z.object({ path: FsPath('a folder path is required') }),
    output: WorkspaceInfo.extend({ modules: z.number() }),
    mutates: true,
    cli: { command: ['demo', 'create'], positional: ['path'] },
  }),

  'module.list': defineOperation({
    summary: 'Active modules by kind, with version, size, dependencies and dependents',
    input: Empty,
    output: z.object({ workspace: z.string(), kinds: z.array(z.object({ kind: z.string(), modules: z.array(ActiveModule) })) }),
    mutates: false,
  }),
  'module.hibernate': defineOperation({
    summary: 'Pack a module into a verified archive and remove it from the active tree',
    input: z.object({
      name: ModuleName,
      reason: z.string().max(500).default('manual'),
      withDependents: z.boolean().default(false),
      hibernatedBy: z.string().min(1).max(100).default('user'),
      error: ErrorInfo.optional(),
    }),
    output: z.object({
      hibernated: z.array(HibernatedEntry),
      groupId: z.string().nullable(),
      activeCounts: z.record(z.string(), z.number()),
      /** Anything unusual, e.g. a module kept active because it changed while it was being hibernated. */
      notes: z.array(z.string()),
      restoreCommand: z.string(),
    }),
    mutates: true,
  }),
  'module.listHibernated': defineOperation({
    summary: 'Hibernated modules (newest version of each), with age, reason, size, usage and checksum state',
    input: z.object({ archiveAfterDays: Days.default(30), includeWoken: z.boolean().default(false) }),
    output: z.object({ modules: z.array(HibernatedVersion) }),
    mutates: false,
  }),
  'module.listArchived': defineOperation({
    summary: 'Modules in the long-term archive ($WARDEN_HOME/module-archive)',
    input: Empty,
    output: z.object({ modules: z.array(HibernatedVersion), totalSize: z.number() }),
    mutates: false,
  }),
  'module.versions': defineOperation({
    summary: 'Every stored version of one module (hibernated, woken and archived) and its active state',
    input: z.object({ name: ModuleName }),
    output: z.object({ name: z.string(), active: ActiveModule.nullable(), versions: z.array(HibernatedVersion) }),
    mutates: false,
  }),
  'module.wake': defineOperation({
    summary: 'Bring a hibernated module (or a .tgz from anywhere) back into the active tree',
    input: z
      .object({
        name: ModuleName.optional(),
        at: EpochMs.optional(),
        from: FsPath('a .tgz file path is required').optional(),
        fromArchive: z.boolean().default(false),
        /** Where a module from a file goes when its package.json does not say; defaults to the first kind. */
        kind: z.string().optional(),
      })
      .refine((i) => i.name !== undefined || i.from !== undefined, {
        message: 'say which module to wake: --name NAME, or --from FILE.tgz',
      })
      .refine((i) => !(i.from !== undefined && i.fromArchive), { message: '--from and --from-archive cannot be used together' }),
    output: z.object({
      woken: z.array(z.object({ name: z.string(), path: z.string(), fileCount: z.number(), source: z.string() })),
      activeCounts: z.record(z.string(), z.number()),
    }),
    mutates: true,
  }),
  'module.wakeUpload': defineOperation({
    summary: 'Wake a module from a .tgz sent by the client (a file dropped on the window)',
    input: z.object({
      fileName: z.string().min(1).max(255),
      dataBase64: z.string().min(1, 'the file is empty').max(160 * 1024 * 1024, 'the file is too large to upload (limit 120 MB)'),
      kind: z.string().optional(),
    }),
    output: z.object({
      woken: z.array(z.object({ name: z.string(), path: z.string(), fileCount: z.number(), source: z.string() })),
      activeCounts: z.record(z.string(), z.number()),
    }),
    mutates: true,
    cli: false,
  }),
  'module.archive': defineOperation({
    summary: 'Move hibernations older than N days to the long-term archive (still wakeable)',
    input: z.object({ olderThan: Days.default(30) }),
    output: z.object({
      archived: z.array(z.object({ name: z.string(), size: z.number(), hibernatedAt: EpochMs, path: z.string() })),
      totalArchiveSize: z.number(),
      archiveDir: z.string(),
    }),
    mutates: true,
  }),
  'module.diff': defineOperation({
    summary: 'Files added, removed and changed between two versions, or a version and the active module',
    input: z.object({
      name: ModuleName,
      at: z.array(z.number().int().nonnegative()).max(2, 'give at most two --at versions').default([]),
    }),
    output: z.object({
      name: z.string(),
      from: z.string(),
      to: z.string(),
      changes: z.array(FileChange),
      unchanged: z.number(),
    }),
    mutates: false,
  }),
  'module.verify': defineOperation({
    summary: 'Check every archive checksum, metadata file and the index; --repair finishes interrupted work',
    input: z.object({ repair: z.boolean().default(false) }),
    output: z.object({
      ok: z.boolean(),
      checked: z.object({ archives: z.number(), activeModules: z.number() }),
      problems: z.array(VerifyProblem),
      repaired: z.array(z.string()),
    }),
    mutates: false,
  }),
  'module.pack': defineOperation({
    summary: 'A distributable npm-pack tarball of an active module (honours `files` and .npmignore)',
    input: z.object({ name: ModuleName, outDir: FsPath('a folder path is required').optional() }),
    output: z.object({ path: z.string(), size: z.number(), files: z.array(z.string()), sha256: z.string() }),
    mutates: false,
  }),
  'module.recordUsage': defineOperation({
    summary: 'Count calls of a module (reported by the running system)',
    input: z.object({ name: ModuleName, calls: z.number().int().positive().max(1e9).default(1), at: EpochMs.optional() }),
    output: z.object({ name: z.string(), totalCalls: z.number(), lastUsed: z.number().nullable(), avgCallsPerDay: z.number() }),
    mutates: true,
    cli: { command: ['module', 'record-usage'] },
  }),

  'doctor.run': defineOperation({
    summary: 'Rebuild the index from the archives on disk and report what was found',
    input: Empty,
    output: z.object({ indexed: z.number(), removedStale: z.number(), problems: z.array(VerifyProblem) }),
    mutates: true,
    cli: { command: ['doctor'] },
  }),

  'operation.cancel': defineOperation({
    summary: 'Cancel a running call (a download, a chat) by its call id',
    input: z.object({ callId: z.string().min(1, 'a call id is required') }),
    output: z.object({ cancelled: z.boolean() }),
    mutates: true,
    cli: false,
  }),

  'model.list': defineOperation({
    summary: 'Recommended models (catalog), installed models and local files, with facts from each GGUF',
    input: Empty,
    output: z.object({ models: z.array(ModelInfo), storagePath: z.string(), freeBytes: z.number().nullable() }),
    mutates: false,
  }),
  'model.install': defineOperation({
    summary: 'Download a model (catalog id, hf: URI or URL) with progress; resumes an interrupted download',
    input: z.object({
      uri: z.string().trim().min(1, 'say which model: a catalog id, an hf: URI or an http(s) URL'),
      sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'sha256 is 64 hex digits').optional(),
    }),
    output: ModelInfo,
    mutates: true,
    cli: { positional: ['uri'] },
  }),
  'model.inspect': defineOperation({
    summary: 'A model’s facts from its GGUF header, and the memory it needs for a context size and GPU offload',
    input: z.object({
      id: z.string().min(1, 'a model id is required'),
      contextSize: z.number().int().min(128).max(1_048_576).default(1024),
      gpuLayers: z.number().int().min(0).max(1000).default(0),
      sequences: z.number().int().min(1).max(64).default(1),
    }),
    output: z.object({
      model: ModelInfo,
      estimate: z.object({ vramBytes: z.number(), ramBytes: z.number(), gpuLayers: z.number(), contextSize: z.number(), sequences: z.number() }),
    }),
    mutates: false,
    cli: { positional: ['id'] },
  }),
  'model.add': defineOperation({
    summary: 'Add a local .gguf file as a model (it stays where it is)',
    input: z.object({ path: FsPath('a .gguf file path is required') }),
    output: ModelInfo,
    mutates: true,
    cli: { positional: ['path'] },
  }),
  'model.remove': defineOperation({
    summary: 'Remove a model: unload it, delete a downloaded file, or forget a local file (never deleted)',
    input: z.object({ id: z.string().min(1, 'a model id is required') }),
    output: z.object({ id: z.string(), deletedFile: z.string().nullable(), freedBytes: z.number() }),
    mutates: true,
    cli: { positional: ['id'] },
  }),

  'worker.list': defineOperation({
    summary: 'Worker processes (one per loaded model), the memory budget and the queue',
    input: Empty,
    output: z.object({
      workers: z.array(WorkerInfo),
      budget: MemoryBudget,
      queue: z.object({ depth: z.number(), max: z.number() }),
      cores: z.number(),
    }),
    mutates: false,
    cli: { command: ['workers'] },
  }),
  'worker.load': defineOperation({
    summary: 'Load a model into a worker now (pages out idle models if needed)',
    input: z.object({ model: z.string().min(1, 'a model id is required') }),
    output: WorkerInfo,
    mutates: true,
    cli: { positional: ['model'] },
  }),
  'worker.unload': defineOperation({
    summary: 'Unload a model: its worker finishes what it is doing and exits',
    input: z.object({ model: z.string().min(1, 'a model id is required') }),
    output: z.object({ model: z.string(), unloaded: z.boolean() }),
    mutates: true,
    cli: { positional: ['model'] },
  }),
  'worker.restart': defineOperation({
    summary: 'Restart a model’s worker (also lifts a quarantine)',
    input: z.object({ model: z.string().min(1, 'a model id is required') }),
    output: WorkerInfo,
    mutates: true,
    cli: { positional: ['model'] },
  }),
  'worker.pin': defineOperation({
    summary: 'Pin a model so it is never paged out (--unpin to release)',
    input: z.object({ model: z.string().min(1, 'a model id is required'), unpin: z.boolean().default(false) }),
    output: WorkerInfo,
    mutates: true,
    cli: { positional: ['model'] },
  }),
  'worker.kill': defineOperation({
    summary: 'Kill a worker process at once (SIGKILL), as a crash would; Warden recovers',
    input: z.object({ model: z.string().min(1, 'a model id is required') }),
    output: z.object({ model: z.string(), pid: z.number() }),
    mutates: true,
    cli: { positional: ['model'] },
  }),

  'persona.list': defineOperation({
    summary: 'Personas with their model and settings',
    input: Empty,
    output: z.object({ personas: z.array(Persona) }),
    mutates: false,
  }),
  'persona.create': defineOperation({
    summary: 'Create a persona on a model (catalog id, installed id, .gguf path or URI)',
    input: z.object({
      name: PersonaName,
      model: z.string().trim().min(1, 'a model is required: a model id, a .gguf path or an hf: URI'),
      systemPrompt: z.string().max(20000).default('You are a helpful assistant.'),
      settings: GenerationSettings.partial().default({}),
    }),
    output: Persona,
    mutates: true,
  }),
  'persona.update': defineOperation({
    summary: 'Change a persona’s name, model, system prompt or settings',
    input: z.object({
      name: PersonaName,
      newName: PersonaName.optional(),
      model: z.string().trim().min(1).optional(),
      systemPrompt: z.string().max(20000).optional(),
      settings: GenerationSettings.partial().optional(),
    }),
    output: Persona,
    mutates: true,
    cli: { command: ['persona', 'edit'], positional: ['name'] },
  }),
  'persona.delete': defineOperation({
    summary: 'Delete a persona and its conversation',
    input: z.object({ name: PersonaName }),
    output: z.object({ name: z.string(), deleted: z.boolean() }),
    mutates: true,
    cli: { positional: ['name'] },
  }),
  'persona.history': defineOperation({
    summary: 'The conversation with a persona',
    input: z.object({ name: PersonaName }),
    output: z.object({ name: z.string(), messages: z.array(ChatMessage) }),
    mutates: false,
    cli: { positional: ['name'] },
  }),
  'persona.clear': defineOperation({
    summary: 'Forget the conversation with a persona',
    input: z.object({ name: PersonaName }),
    output: z.object({ name: z.string(), cleared: z.number() }),
    mutates: true,
    cli: { positional: ['name'] },
  }),
  'persona.chat': defineOperation({
    summary: 'Send a message to a persona; the answer streams as persona.token events',
    input: z.object({
      name: PersonaName,
      prompt: z.string().min(1, 'a message is required').max(100000),
      priority: Priority.default('realtime'),
      /** Answer without adding to the conversation. */
      stateless: z.boolean().default(false),
      timeoutMs: z.number().int().min(100).max(86_400_000, 'at most 24 hours (86400000 ms)').optional(),
    }),
    output: GenerationResult,
    mutates: true,
    cli: { positional: ['name', 'prompt'] },
  }),

  'config.get': defineOperation({
    summary: 'Settings (maxVRAM, maxConcurrentWorkers, autoInstallModels, modelStoragePath, …)',
    input: z.object({ key: z.string().optional() }),
    output: z.object({ settings: z.array(SettingRow) }),
    mutates: false,
    cli: { positional: ['key'] },
  }),
  'config.set': defineOperation({
    summary: 'Change a setting (takes effect at once)',
    input: z.object({ key: z.string().min(1, 'a setting name is required'), value: z.union([z.string(), z.number(), z.boolean()]) }),
    output: SettingRow,
    mutates: true,
    cli: { positional: ['key', 'value'] },
  }),

  'apiKey.create': defineOperation({
    summary: 'Create an API key for the OpenAI-compatible endpoint (/v1 only, not the rest of the API); the key is shown this once',
    input: z.object({ name: ApiKeyName }),
    output: ApiKeyInfo.extend({ key: z.string() }),
    mutates: true,
  }),
  'apiKey.list': defineOperation({
    summary: 'API keys of the OpenAI-compatible endpoint (their first characters, never the keys), and the endpoint’s address',
    input: Empty,
    output: z.object({
      keys: z.array(ApiKeyInfo),
      /** Base URL of the OpenAI-compatible API of the Warden server running for this home; null when none runs. */
      endpoint: z.string().nullable(),
    }),
    mutates: false,
  }),
  'apiKey.revoke': defineOperation({
    summary: 'Revoke an API key: requests with it are refused from now on',
    input: z.object({ name: ApiKeyName }),
    output: ApiKeyInfo,
    mutates: true,
  }),

  ...logOperations,
} as const

export type Operations = typeof operations
export type OperationName = keyof Operations
export type OperationInput<K extends OperationName> = z.input<Operations[K]['input']>
export type OperationParsedInput<K extends OperationName> = z.output<Operations[K]['input']>
export type OperationOutput<K extends OperationName> = z.output<Operations[K]['output']>

export const operationNames = Object.keys(operations) as OperationName[]

export function isOperationName(name: unknown): name is OperationName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(operations, name)
}
