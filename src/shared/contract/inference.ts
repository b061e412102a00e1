import { z } from 'zod'
import { numberOrNumericText } from './numbers'
import type { SettingDefinition } from './settingDefinition'

/** Request priorities of the seed's AIResourceManager: higher runs first, FIFO within one priority. */
export const priorities = { system: 100, realtime: 90, default: 70, batch: 50 } as const
export const Priority = z.enum(['system', 'realtime', 'default', 'batch'])
export type Priority = z.infer<typeof Priority>

/** A persona's name: what the CLI, the UI and the OpenAI endpoint (`model`) call it. */
export const PersonaName = z
  .string()
  .trim()
  .min(1, 'a persona name is required')
  .max(64, 'a persona name is at most 64 characters')
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, 'a persona name uses letters, digits, spaces, dots, dashes and underscores, and starts with a letter or digit')

/**
 * A persona's genome: the LoRA adapters it answers with. `none`: the base model alone; `fixed`: the
 * adapters listed; `auto`: those plus the adapters most similar to each prompt (when the
 * enableGenomicSwapping setting is on).
 */
export const GenomeConfig = z.object({
  mode: z.enum(['none', 'fixed', 'auto']).default('none'),
  adapters: z
    .array(z.object({ name: z.string().min(1).max(64), scale: z.number().min(-4, 'a scale is at least -4').max(4, 'a scale is at most 4').default(1) }))
    .max(16, 'at most 16 adapters')
    .default([]),
})
export type GenomeConfig = z.infer<typeof GenomeConfig>

export const GenerationSettings = z.object({
  temperature: z.number().min(0).max(2).default(0.7),
  topP: z.number().gt(0).max(1).default(0.95),
  maxTokens: z.number().int().min(1).max(8192).default(256),
  /** Tokens of context the persona's sequence gets. */
  contextSize: z.number().int().min(128).max(131072).default(1024),
  seed: z.number().int().nonnegative().nullable().default(null),
  genome: GenomeConfig.default({ mode: 'none', adapters: [] }),
})
export type GenerationSettings = z.infer<typeof GenerationSettings>

/** A change of some settings: those it does not name keep their value (no defaults filled in). */
const setting = GenerationSettings.shape
export const GenerationSettingsChange = z.object({
  temperature: setting.temperature.removeDefault().optional(),
  topP: setting.topP.removeDefault().optional(),
  maxTokens: setting.maxTokens.removeDefault().optional(),
  contextSize: setting.contextSize.removeDefault().optional(),
  seed: setting.seed.removeDefault().optional(),
  genome: GenomeConfig.optional(),
})

export const ModelFacts = z.object({
  architecture: z.string().nullable(),
  /** Parameter count, from the tensor shapes. */
  parameters: z.number().nullable(),
  contextLength: z.number().nullable(),
  layers: z.number().nullable(),
  embeddingLength: z.number().nullable(),
  fileType: z.string().nullable(),
  /** Estimated bytes to load it with the default context (weights + KV cache + compute buffers). */
  estimatedMemory: z.number(),
  /** Bytes of the weights alone. */
  weightsBytes: z.number(),
  /** KV-cache bytes per token of context. */
  kvBytesPerToken: z.number(),
})
export type ModelFacts = z.infer<typeof ModelFacts>

export const ModelInfo = z.object({
  /** Stable id: a catalog id (`qwen2.5-0.5b-instruct`) or the file's name without `.gguf`. */
  id: z.string(),
  name: z.string(),
  source: z.enum(['catalog', 'file', 'download']),
  /** `hf:` URI or URL it comes from, when it is downloaded. */
  uri: z.string().nullable(),
  path: z.string().nullable(),
  installed: z.boolean(),
  /** Bytes on disk (or of the download, for a catalog model not installed). */
  size: z.number().nullable(),
  sha256: z.string().nullable(),
  description: z.string().nullable(),
  /** Catalog facts before download (parameters, quantization, memory it needs). */
  catalog: z
    .object({ parameters: z.string(), quantization: z.string(), contextLength: z.number(), minMemory: z.number(), license: z.string() })
    .nullable(),
  facts: ModelFacts.nullable(),
  /** Installing now: percent and bytes. */
  installing: z.object({ bytesDownloaded: z.number(), bytesTotal: z.number().nullable(), percent: z.number().nullable() }).nullable(),
  loaded: z.boolean(),
})
export type ModelInfo = z.infer<typeof ModelInfo>

export const WorkerState = z.enum(['starting', 'loading', 'ready', 'busy', 'restarting', 'quarantined', 'stopping', 'crashed'])
export type WorkerState = z.infer<typeof WorkerState>

export const WorkerInfo = z.object({
  modelId: z.string(),
  modelName: z.string(),
  pid: z.number().nullable(),
  state: WorkerState,
  /** Bytes this model counts against the budget (predicted until loaded, then measured). */
  memoryBytes: z.number(),
  /** What was predicted before loading: the file's estimate and, on a RAM budget, the runtime's fixed cost per worker. */
  estimateBytes: z.number(),
  /** What the loaded worker was measured to take (VRAM on a GPU, resident memory on the CPU); null until loaded. */
  measuredBytes: z.number().nullable(),
  /** Resident memory of the worker process. */
  rssBytes: z.number().nullable(),
  /** Where the weights live. */
  device: z.enum(['gpu', 'cpu']),
  threads: z.number(),
  /** Tokens per second of the last generation. */
  tokensPerSecond: z.number().nullable(),
  tokensGenerated: z.number(),
  inFlight: z.number(),
  queued: z.number(),
  restarts: z.number(),
  crashes: z.number(),
  pinned: z.boolean(),
  startedAt: z.number().nullable(),
  lastUsedAt: z.number().nullable(),
  /** The last crash or load error, for the person. */
  lastError: z.string().nullable(),
  /** When a restart is scheduled (back-off). */
  restartAt: z.number().nullable(),
})
export type WorkerInfo = z.infer<typeof WorkerInfo>

/** A started worker process holding no model, ready for the next swap-in. */
export const SpareWorkerInfo = z.object({
  pid: z.number().nullable(),
  /** `starting` until node-llama-cpp is loaded in it. */
  state: z.enum(['starting', 'ready']),
  /** Bytes it counts against the budget (its resident memory on a RAM budget). */
  memoryBytes: z.number(),
  rssBytes: z.number().nullable(),
})
export type SpareWorkerInfo = z.infer<typeof SpareWorkerInfo>

export const MemoryBudget = z.object({
  totalBytes: z.number(),
  usedBytes: z.number(),
  /** Where the budget comes from. */
  source: z.enum(['gpu', 'ram', 'setting']),
  description: z.string(),
  gpus: z.array(z.object({ vendor: z.string(), model: z.string(), totalBytes: z.number().nullable(), usedBytes: z.number().nullable() })),
})
export type MemoryBudget = z.infer<typeof MemoryBudget>

export const Persona = z.object({
  id: z.string(),
  name: z.string(),
  /** What the person gave: a model id, a file path or a URI. */
  model: z.string(),
  systemPrompt: z.string(),
  settings: GenerationSettings,
  createdAt: z.number(),
  updatedAt: z.number(),
  messages: z.number(),
})
export type Persona = z.infer<typeof Persona>

export const ChatMessage = z.object({ role: z.enum(['user', 'assistant']), text: z.string(), at: z.number() })
export type ChatMessage = z.infer<typeof ChatMessage>

export const GenerationResult = z.object({
  text: z.string(),
  tokens: z.number(),
  /** Tokens of the context the answer was generated from (system prompt, conversation kept, prompt). */
  promptTokens: z.number(),
  /** Of `promptTokens`, those evaluated for this answer; the rest were still in the model's cache from the turns before. */
  evaluatedTokens: z.number(),
  /** Earlier messages of the conversation left out because the context could not hold them (the oldest). */
  leftOutMessages: z.number(),
  tokensPerSecond: z.number().nullable(),
  durationMs: z.number(),
  /** Time waiting in the queue and for the model to load (paging in). */
  waitedMs: z.number(),
  modelId: z.string(),
  /** `toolCalls`: the answer is a call of a function the caller offered (the OpenAI endpoint's tools). */
  finishReason: z.enum(['stop', 'length', 'cancelled', 'toolCalls']),
  /** The functions the model called (OpenAI endpoint only). */
  toolCalls: z.array(z.object({ name: z.string(), arguments: z.string() })).optional(),
  /** Each token's log probability and likeliest alternatives, when asked (OpenAI endpoint only). */
  logprobs: z
    .array(z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number()), top: z.array(z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number()) })) }))
    .optional(),
  /** The model was installed for this request. */
  installed: z.boolean(),
  /** The model was loaded for this request (a cold start or a swap-in). */
  loaded: z.boolean(),
  /** Models paged out to make room. */
  evicted: z.array(z.string()),
  /**
   * The persona's context was lost with its model's worker (a crash) and came back from its newest
   * checkpoint: only the messages after it were evaluated ("crash-recovery").
   */
  crashRecovery: z.object({ checkpoint: z.string(), label: z.string().nullable(), createdAt: z.number(), tokens: z.number() }).optional(),
  /** The LoRA adapters the answer was generated with (a persona with a genome), and why each was chosen. */
  genome: z
    .object({
      mode: z.enum(['fixed', 'auto']),
      adapters: z.array(z.object({ name: z.string(), scale: z.number(), score: z.number().nullable(), pinned: z.boolean() })),
      /** The model that embedded the prompt (auto mode), or null. */
      embeddingModel: z.string().nullable(),
    })
    .optional(),
})
export type GenerationResult = z.infer<typeof GenerationResult>

/**
 * Settings (the seed's `AICapabilities` names): each value's schema and default, and what the
 * Settings page shows (label, group, unit, input). A new entry here appears there by itself.
 */
export const settingDefs = {
  maxVRAM: {
    schema: numberOrNumericText(z.number().int().min(0)), default: 0, description: 'Memory budget for loaded models in MB; 0 = detect (GPU memory, else RAM)',
    label: 'Memory budget for models', group: 'Memory', unit: 'MB', zero: 'detect', input: 'number' },
  maxConcurrentWorkers: {
    schema: numberOrNumericText(z.number().int().min(1).max(64)), default: 4, description: 'Most worker processes running at once',
    label: 'Workers at once', group: 'Workers', unit: 'workers', input: 'number' },
  spareWorkers: {
    schema: numberOrNumericText(z.number().int().min(0).max(8)), default: 1,
    description: 'Idle worker processes kept started (node-llama-cpp loaded, ~90 MB each, counted in the memory budget), so a model swaps in without waiting about a second for a new process; 0 = none. One-off CLI commands start none',
    label: 'Spare workers', group: 'Workers', unit: 'workers', zero: 'none', input: 'number' },
  maxRAMPerWorker: {
    schema: numberOrNumericText(z.number().int().min(256)), default: 4096, description: 'JavaScript heap limit of each worker process in MB',
    label: 'Heap per worker', group: 'Memory', unit: 'MB', input: 'number' },
  autoInstallModels: {
    schema: z.enum(['true', 'false']).transform((v) => v === 'true').or(z.boolean()), default: true, description: 'Download a persona’s missing model on first use',
    label: 'Install missing models', group: 'Models', input: 'toggle' },
  modelStoragePath: {
    schema: z.string().refine((p) => p === '' || /^([a-zA-Z]:[\\/]|[\\/])/.test(p), 'give an absolute folder path (or "" for the default)'),
    default: '', description: 'Folder of downloaded models; empty = $WARDEN_HOME/models',
    label: 'Model folder', group: 'Models', empty: '$WARDEN_HOME/models', input: 'path' },
  maxModelCacheSize: {
    schema: numberOrNumericText(z.number().int().min(0)), default: 0, description: 'Largest total size of downloaded models in MB; 0 = no limit',
    label: 'Model cache size', group: 'Models', unit: 'MB', zero: 'no limit', input: 'number' },
  parallelRequestsPerModel: {
    schema: numberOrNumericText(z.number().int().min(1).max(16)), default: 2, description: 'Generations one model runs at once (context sequences)',
    label: 'Generations per model', group: 'Requests', unit: 'at once', input: 'number' },
  maxQueueSize: {
    schema: numberOrNumericText(z.number().int().min(1).max(10000)), default: 64, description: 'Requests waiting at most; more are refused as busy',
    label: 'Queue length', group: 'Requests', unit: 'requests', input: 'number' },
  maxQueuePerModel: {
    schema: numberOrNumericText(z.number().int().min(1).max(10000)), default: 32,
    description: 'Requests waiting for one model at most; more are refused as busy. A model with nothing waiting always gets a place, even when other models fill maxQueueSize, so a request for an idle loaded model is never refused',
    label: 'Queue length per model', group: 'Requests', unit: 'requests', input: 'number' },
  idleUnloadMinutes: {
    schema: numberOrNumericText(z.number().min(0)), default: 30, description: 'Unload a model idle this long (minutes); 0 = never',
    label: 'Unload idle models after', group: 'Workers', unit: 'minutes', zero: 'never', input: 'number' },
  requestTimeoutMs: {
    schema: numberOrNumericText(z.number().int().min(1000).max(86_400_000, 'at most 24 hours (86400000 ms)')), default: 300000, description: 'Longest a request may wait and run (ms)',
    label: 'Request time limit', group: 'Requests', unit: 'ms', input: 'number' },
  gpuLayers: {
    schema: z.union([z.literal('auto'), numberOrNumericText(z.number().int().min(0))]), default: 'auto' as 'auto' | number, description: 'Layers offloaded to the GPU: auto, or a number (0 = CPU only)',
    label: 'GPU layers', group: 'Memory', unit: 'layers', zero: 'CPU only', input: 'autoOrNumber' },
  threadsPerWorker: {
    schema: numberOrNumericText(z.number().int().min(0).max(256)), default: 0, description: 'Threads per worker; 0 = Warden chooses from the cores and the running workers',
    label: 'Threads per worker', group: 'Workers', unit: 'threads', zero: 'automatic', input: 'number' },
  conversationMaxMessages: {
    schema: numberOrNumericText(z.number().int().min(0)), default: 1000, description: 'Messages kept of each persona’s conversation (the oldest go first); 0 = no limit',
    label: 'Messages kept per persona', group: 'Conversations', unit: 'messages', zero: 'no limit', input: 'number' },
  conversationMaxDays: {
    schema: numberOrNumericText(z.number().min(0).max(36500)), default: 0, description: 'Delete conversation messages older than this many days; 0 = keep them',
    label: 'Keep conversation messages for', group: 'Conversations', unit: 'days', zero: 'no limit', input: 'number' },
  checkpointStoragePath: {
    schema: z.string().refine((p) => p === '' || /^([a-zA-Z]:[\\/]|[\\/])/.test(p), 'give an absolute folder path (or "" for the default)'),
    default: '', description: 'Folder of persona checkpoints; empty = $WARDEN_HOME/checkpoints',
    label: 'Checkpoint folder', group: 'Checkpoints', empty: '$WARDEN_HOME/checkpoints', input: 'path' },
  maxCheckpointsPerPersona: {
    schema: numberOrNumericText(z.number().int().min(1).max(1000)), default: 10, description: 'Checkpoints kept per persona; a new one beyond this removes the oldest',
    label: 'Checkpoints kept per persona', group: 'Checkpoints', unit: 'checkpoints', input: 'number' },
  checkpointOnPageOut: {
    schema: z.enum(['true', 'false']).transform((v) => v === 'true').or(z.boolean()), default: true, description: 'Save the conversations a model’s worker holds when the model is paged out or unloaded, and restore them when it is loaded again, instead of evaluating them again',
    label: 'Keep conversations across page-outs', group: 'Checkpoints', input: 'toggle' },
  autoCheckpoint: {
    schema: z.enum(['true', 'false']).transform((v) => v === 'true').or(z.boolean()), default: false, description: 'Checkpoint every persona that chatted since its last checkpoint, every checkpointInterval minutes and when the app or server quits',
    label: 'Automatic checkpoints', group: 'Checkpoints', input: 'toggle' },
  checkpointInterval: {
    schema: numberOrNumericText(z.number().int().min(1).max(1440)), default: 15, description: 'Minutes between automatic checkpoints (autoCheckpoint)',
    label: 'Automatic checkpoint every', group: 'Checkpoints', unit: 'minutes', input: 'number' },
  archiveAfterDays: {
    schema: numberOrNumericText(z.number().min(0).max(36500)), default: 30, description: 'Archive hibernations older than this many days, while the app or server runs; 0 = never',
    label: 'Archive hibernations after', group: 'Modules', unit: 'days', zero: 'never', input: 'number' },
  embeddingModel: {
    schema: z.string().trim().max(500), default: '',
    description: 'Installed model (its id) that embeds adapter descriptions and texts for adapter search and genome selection; empty = none (adapter search then asks for one)',
    label: 'Embedding model', group: 'Genome', empty: 'none: set an installed model id', input: 'text' },
  enableGenomicSwapping: {
    schema: z.enum(['true', 'false']).transform((v) => v === 'true').or(z.boolean()), default: false,
    description: 'Let personas in genome mode "auto" pick LoRA adapters by the similarity of the prompt to each adapter’s description',
    label: 'Genomic swapping', group: 'Genome', input: 'toggle' },
  maxLoRALayersPerPersona: {
    schema: numberOrNumericText(z.number().int().min(1).max(16)), default: 3, description: 'Most LoRA adapters chosen automatically for one request (pinned ones come on top)',
    label: 'Adapters per request', group: 'Genome', unit: 'adapters', input: 'number' },
  loraSelectionThreshold: {
    schema: numberOrNumericText(z.number().min(-1).max(1)), default: 0.7, description: 'Least cosine similarity between the prompt and an adapter’s description for the adapter to be chosen automatically',
    label: 'Selection threshold', group: 'Genome', unit: 'cosine', input: 'number' },
  healthIntervalSeconds: {
    schema: numberOrNumericText(z.number().int().min(5).max(86_400)), default: 60, description: 'Seconds between health snapshots of each persona and model (one is also taken after generations)',
    label: 'Snapshot every', group: 'Health', unit: 'seconds', input: 'number' },
  healthPhiMin: {
    schema: numberOrNumericText(z.number().min(0).max(1)), default: 0.65, description: 'Φ below this is degraded: uncertain, incoherent output',
    label: 'Φ lower threshold', group: 'Health', unit: 'Φ', input: 'number' },
  healthPhiMax: {
    schema: numberOrNumericText(z.number().min(0).max(1)), default: 0.85, description: 'Φ above this is degraded: degenerate, repetitive output (breakdown)',
    label: 'Φ upper threshold', group: 'Health', unit: 'Φ', input: 'number' },
  healthKappaTarget: {
    schema: numberOrNumericText(z.number().min(1).max(10_000)), default: 64, description: 'The κ_eff a healthy source stays near (drawn on the κ chart)',
    label: 'κ target', group: 'Health', unit: 'κ', input: 'number' },
  healthDriftMax: {
    schema: numberOrNumericText(z.number().min(0).max(Math.PI)), default: 2.0, description: 'Basin drift (Fisher–Rao distance to the baseline, radians) above this is degraded',
    label: 'Basin drift threshold', group: 'Health', unit: 'rad', input: 'number' },
  healthErrorRateMax: {
    schema: numberOrNumericText(z.number().min(0).max(1)), default: 0.05, description: 'Share of failed generations above this is degraded (0.05 = 5 %)',
    label: 'Error rate threshold', group: 'Health', unit: 'share', input: 'number' },
  healthLatencyMaxMs: {
    schema: numberOrNumericText(z.number().int().min(1)), default: 2000, description: 'Generation latency above this is degraded (ms)',
    label: 'Latency threshold', group: 'Health', unit: 'ms', input: 'number' },
  healthAlertAfter: {
    schema: numberOrNumericText(z.number().int().min(1).max(1000)), default: 3, description: 'Consecutive snapshots past a threshold before a source is degraded (a single outlier never alerts), and back inside before it clears',
    label: 'Alert after', group: 'Health', unit: 'snapshots', input: 'number' },
  healthBaselineSnapshots: {
    schema: numberOrNumericText(z.number().int().min(1).max(1000)), default: 20, description: 'A source without a baseline gets one from its first this many snapshots',
    label: 'Automatic baseline from', group: 'Health', unit: 'snapshots', input: 'number' },
  healthRetentionDays: {
    schema: numberOrNumericText(z.number().min(1).max(3650)), default: 30, description: 'Days of health history kept (raw snapshots for the last 2 days, minute and hour roll-ups beyond)',
    label: 'Keep health history for', group: 'Health', unit: 'days', input: 'number' },
  healingIntervalMinutes: {
    schema: numberOrNumericText(z.number().int().min(1).max(1440)), default: 5, description: 'Minutes between runs of the healing loop while it is started',
    label: 'Healing loop every', group: 'Healing', unit: 'minutes', input: 'number' },
  healingApplyThreshold: {
    schema: numberOrNumericText(z.number().min(0).max(1)), default: 0.7, description: 'Least fitness for a patch to be recommended (and auto-applied, when allowed); seed 004 says 0.7, seed 003 0.6',
    label: 'Fitness to apply', group: 'Healing', unit: 'fitness', input: 'number' },
  healingSandboxTimeoutSeconds: {
    schema: numberOrNumericText(z.number().int().min(1).max(3600)), default: 30, description: 'Longest a sandbox run (a module’s tests on a copy) may take',
    label: 'Sandbox time limit', group: 'Healing', unit: 'seconds', input: 'number' },
  healingSandboxMemoryMB: {
    schema: numberOrNumericText(z.number().int().min(64).max(65536)), default: 512, description: 'Heap limit of a sandbox run’s process',
    label: 'Sandbox memory limit', group: 'Healing', unit: 'MB', input: 'number' },
  aresAutoHibernate: {
    schema: z.enum(['true', 'false']).transform((v) => v === 'true').or(z.boolean()), default: true, description: 'Let the supervisor hibernate a failing module that nothing active depends on at once (reversible; logged); off = a proposal instead',
    label: 'Supervisor hibernates isolated failures', group: 'Healing', input: 'toggle' },
  aresReviewAfterHours: {
    schema: numberOrNumericText(z.number().min(1).max(8760)), default: 24, description: 'Hibernated modules older than this are tested from their archive against today’s workspace; passing ones get a "wake and test" proposal',
    label: 'Review hibernated modules after', group: 'Healing', unit: 'hours', input: 'number' },
  moduleCheckIntervalMinutes: {
    schema: numberOrNumericText(z.number().int().min(0).max(10080)), default: 0, description: 'Minutes between checks of every active module in the sandbox (module check); 0 = only on demand',
    label: 'Check modules every', group: 'Healing', unit: 'minutes', zero: 'on demand', input: 'number' },
  supervisorPersona: {
    schema: z.string().trim().max(64), default: '', description: 'A persona that writes the supervisor’s assessments in words (advisory: the rules decide); empty = none',
    label: 'Supervisor’s persona', group: 'Healing', empty: 'none', input: 'text' },
} as const satisfies Record<string, SettingDefinition>
export type SettingKey = keyof typeof settingDefs
export const settingKeys = Object.keys(settingDefs) as SettingKey[]
export type Settings = { [K in SettingKey]: z.output<(typeof settingDefs)[K]['schema']> }

export const SettingRow = z.object({
  key: z.string(),
  value: z.unknown(),
  default: z.unknown(),
  description: z.string(),
  isDefault: z.boolean(),
})
