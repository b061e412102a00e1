import type { OperationOutput } from '../../../shared/contract/operations'

/** Shorthands for the contract's output types the UI uses. */
export type AppInfo = OperationOutput<'app.info'>
export type OpenWorkspace = NonNullable<OperationOutput<'workspace.get'>>
export type ModuleGroup = OperationOutput<'module.list'>['kinds'][number]
export type ModuleVersions = OperationOutput<'module.versions'>
export type ModuleDiff = OperationOutput<'module.diff'>
export type { ActiveModule, HibernatedVersion, FileChange } from '../../../shared/contract/schemas'
export type { ChatMessage, GenerationResult, MemoryBudget, ModelInfo, Persona, SpareWorkerInfo, WorkerInfo, WorkerState } from '../../../shared/contract/inference'
export type WorkerList = OperationOutput<'worker.list'>
export type { ApiKeyInfo } from '../../../shared/contract/apiKeys'
export type CreatedApiKey = OperationOutput<'apiKey.create'>
export type SettingRow = OperationOutput<'config.get'>['settings'][number]
