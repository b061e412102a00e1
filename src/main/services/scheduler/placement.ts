/**
 * Where a model goes in memory: pure decisions on plain data (no processes, no clock), so each rule
 * of paging is tested on its own. The scheduler carries the decisions out.
 */
import { WardenError } from '../../../shared/errors'
import { formatBytes } from '../../../shared/format'
import type { LifecycleState } from './lifecycleStates'
import { isLive } from './lifecycleStates'

/** A model as placement sees it: its worker's state and what it holds. */
export interface PlacedModel {
  modelId: string
  state: LifecycleState
  /** Bytes its reservation holds (0 without a worker). */
  bytes: number
  pinned: boolean
  /** Requests it is running now. */
  inFlight: number
  lastUsedAt: number | null
  /** Finishing its requests, then stopping: nothing new is dispatched to it. */
  draining?: boolean
}

export interface PlacementBudget {
  totalBytes: number
  /** Where the budget comes from, in words (for the refusal). */
  description: string
}

/** A model to load. */
export interface PlacementRequest {
  modelId: string
  /** Bytes the model takes once loaded (weights, KV cache, buffers). */
  modelBytes: number
  /**
   * Bytes loaded with it on top of the model. 0 today; the genome issue puts the adapter set (and a
   * persona's checkpoint) here, so placement makes room for them too.
   */
  extraBytes?: number
  /** Bytes its worker process takes on top of any model (the runtime), where the budget counts them. */
  runtimeBytes?: number
}

export interface PlacementInput {
  budget: PlacementBudget
  /** Worker processes allowed at once (maxConcurrentWorkers). */
  maxWorkers: number
  /** Every model the scheduler knows; only those with a worker process count. */
  models: readonly PlacedModel[]
  request: PlacementRequest
  /** Models that requests served before this one wait for: never paged out for it. */
  protectedIds?: ReadonlySet<string>
  /** Page out idle models to make room. Defaults to `true` (a restart after a crash passes `false`). */
  allowPageOut?: boolean
}

export interface Refusal {
  needBytes: number
  budgetBytes: number
  /** Bytes held by pinned models, which are never paged out. */
  pinnedBytes: number
  budgetDescription: string
}

export type PlacementDecision =
  /** It fits now: start its worker. */
  | { kind: 'start' }
  /** Page these out (least recently used first), then wait for their processes to exit. */
  | { kind: 'page-out'; victims: string[] }
  /** Wait: processes already stopping free enough, or busy models must finish first. */
  | { kind: 'wait'; why: 'freeing' | 'busy' }
  /** It can never fit, even with every unpinned model paged out. */
  | { kind: 'refuse'; refusal: Refusal }

export function needBytes(request: PlacementRequest): number {
  return request.modelBytes + (request.extraBytes ?? 0) + (request.runtimeBytes ?? 0)
}

/**
 * The bytes to place a model with (without the runtime): what its last load cost (`learnedBytes`,
 * measured right after it) when known, else its estimate. A learned size that cannot fit even with
 * every unpinned model paged out (`roomBytes`: the budget less the pinned models) gives way to the
 * estimate when that is smaller: a learned size may page out more, but never refuses a model on its
 * own. A refusal (DOES_NOT_FIT, not worth retrying) holds for as long as the settings do, and the
 * estimate is what Warden shows for the model and checks it against; a measurement varies between
 * processes and runs. Loading on the estimate costs at worst this: the load is measured and counted,
 * and idle models (then this one, once idle) are paged out until the budget holds again.
 */
export function placedModelBytes(m: { estimateBytes: number; learnedBytes: number | null; runtimeBytes: number; roomBytes: number }): number {
  if (m.learnedBytes === null) return m.estimateBytes
  return m.learnedBytes + m.runtimeBytes <= m.roomBytes ? m.learnedBytes : Math.min(m.learnedBytes, m.estimateBytes)
}

const sum = (models: readonly PlacedModel[]) => models.reduce((total, m) => total + m.bytes, 0)

/** Idle, unpinned, unprotected models, least recently used first: the order they are paged out in. */
function pageable(models: readonly PlacedModel[], protectedIds: ReadonlySet<string>, except?: string): PlacedModel[] {
  return models
    .filter((m) => m.modelId !== except && m.state === 'ready' && m.inFlight === 0 && !m.pinned && !protectedIds.has(m.modelId))
    .sort((a, b) => (a.lastUsedAt ?? 0) - (b.lastUsedAt ?? 0))
}

/** Start the requested model, page out idle ones for it, wait, or refuse it with the numbers. */
export function planPlacement(input: PlacementInput): PlacementDecision {
  const { budget, maxWorkers, request } = input
  const need = needBytes(request)
  const live = input.models.filter((m) => isLive(m.state) && m.modelId !== request.modelId)
  const pinnedBytes = sum(live.filter((m) => m.pinned))
  if (need > budget.totalBytes - pinnedBytes) {
    return { kind: 'refuse', refusal: { needBytes: need, budgetBytes: budget.totalBytes, pinnedBytes, budgetDescription: budget.description } }
  }
  const fits = (bytes: number, workers: number) => bytes + need <= budget.totalBytes && workers + 1 <= maxWorkers
  const stopping = live.filter((m) => m.state === 'stopping')
  if (fits(sum(live), live.length)) return { kind: 'start' }
  if (input.allowPageOut === false) return { kind: 'wait', why: 'busy' }
  // Already freeing enough? Then just wait for those processes to exit.
  let bytes = sum(live) - sum(stopping)
  let workers = live.length - stopping.length
  if (fits(bytes, workers)) return { kind: 'wait', why: 'freeing' }
  const victims: string[] = []
  for (const m of pageable(live, input.protectedIds ?? new Set())) {
    if (fits(bytes, workers)) break
    victims.push(m.modelId)
    bytes -= m.bytes
    workers -= 1
  }
  // Not enough even with every idle model gone: page out none; busy models will finish, then there is room.
  if (!fits(bytes, workers)) return { kind: 'wait', why: 'busy' }
  return { kind: 'page-out', victims }
}

/**
 * The models a request that waits for busy ones to finish will page out: its decision as if every
 * busy model were idle. They get no new work until it is placed (or it would wait forever); other
 * loaded models go on serving. When even that frees too little, every model it could page out.
 */
export function heldFor(input: PlacementInput): string[] {
  const protectedIds = input.protectedIds ?? new Set<string>()
  const candidates = (m: PlacedModel) => m.modelId !== input.request.modelId && (m.state === 'ready' || m.state === 'busy') && !m.pinned && !protectedIds.has(m.modelId)
  const asIdle = input.models.map((m) => (candidates(m) ? { ...m, state: 'ready' as const, inFlight: 0 } : m))
  const decision = planPlacement({ ...input, models: asIdle, allowPageOut: true })
  if (decision.kind === 'page-out') return decision.victims
  return input.models.filter(candidates).map((m) => m.modelId)
}

/**
 * A model that took more than its estimate can push the total over the budget: the idle models to
 * page out (least recently used first) until it fits again. `keepId` is the model just loaded.
 */
export function planTrim(input: { totalBytes: number; models: readonly PlacedModel[]; keepId: string; protectedIds: ReadonlySet<string> }): string[] {
  const counted = input.models.filter((m) => isLive(m.state) && m.state !== 'stopping')
  let used = sum(counted)
  const victims: string[] = []
  for (const m of pageable(counted, input.protectedIds, input.keepId)) {
    if (used <= input.totalBytes) break
    used -= m.bytes
    victims.push(m.modelId)
  }
  return victims
}

/** Idle models unused for longer than `idleMs` (never a pinned one or one that requests wait for). */
export function planIdleUnload(input: { models: readonly PlacedModel[]; protectedIds: ReadonlySet<string>; now: number; idleMs: number }): string[] {
  if (input.idleMs <= 0) return []
  return pageable(input.models, input.protectedIds)
    .filter((m) => input.now - (m.lastUsedAt ?? 0) > input.idleMs)
    .map((m) => m.modelId)
}

/** The error a refused request gets: the numbers, and what to do. */
export function refusalError(modelName: string, r: Refusal): WardenError {
  return new WardenError(
    'DOES_NOT_FIT',
    `${modelName} needs about ${formatBytes(r.needBytes)}, but the memory budget is ${formatBytes(r.budgetBytes)}${r.pinnedBytes ? ` and pinned models hold ${formatBytes(r.pinnedBytes)}` : ''} (${r.budgetDescription})`,
    { hint: r.pinnedBytes ? 'Unpin a model, or raise maxVRAM.' : 'Use a smaller model or quantization, a smaller context size, or raise maxVRAM if the machine has more memory.' },
  )
}
