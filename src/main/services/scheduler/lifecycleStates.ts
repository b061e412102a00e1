import type { WorkerState } from '../../../shared/contract/inference'
import type { LoadRequest } from '../workers/protocol'
import type { CrashPolicy } from './crashPolicy'

/**
 * The states of one model's worker: the contract's `WorkerState` (what a person sees), and
 * `stopped` (no process, nothing scheduled).
 *
 *   stopped → starting → loading → ready ⇄ busy
 *   starting | loading | ready | busy → stopping → stopped
 *   starting | loading | ready | busy → crashed → restarting → stopped (then started again)
 *                                               → quarantined → stopped (by hand)
 */
export type LifecycleState = WorkerState | 'stopped'

const transitions: Record<LifecycleState, readonly LifecycleState[]> = {
  stopped: ['starting'],
  starting: ['loading', 'stopping', 'crashed'],
  loading: ['ready', 'stopping', 'crashed'],
  ready: ['busy', 'stopping', 'crashed'],
  busy: ['ready', 'stopping', 'crashed'],
  stopping: ['stopped'],
  // Stopped directly only when Warden is shutting down (no restart then).
  crashed: ['restarting', 'quarantined', 'stopped'],
  restarting: ['stopped'],
  quarantined: ['stopped'],
}

/** States in which the model has a worker process (and a memory reservation). */
const live: ReadonlySet<LifecycleState> = new Set(['starting', 'loading', 'ready', 'busy', 'stopping'])

export function isLive(state: LifecycleState): boolean {
  return live.has(state)
}

export function canTransition(from: LifecycleState, to: LifecycleState): boolean {
  return transitions[from].includes(to)
}

/** A transition the table does not allow is a bug in the scheduler: fail loudly, never drift. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly modelId: string,
    readonly from: LifecycleState,
    readonly to: LifecycleState,
  ) {
    super(`Illegal worker state change for ${modelId}: ${from} → ${to} (allowed from ${from}: ${transitions[from].join(', ')})`)
    this.name = 'IllegalTransitionError'
  }
}

export function assertTransition(modelId: string, from: LifecycleState, to: LifecycleState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(modelId, from, to)
}

export interface StateChange {
  from: LifecycleState
  to: LifecycleState
  /** Why, in words (the scheduler reports it as the `workers.changed` reason). */
  reason: string
}

/** What happened to the model's workers so far (the Workers page shows it). */
export interface WorkerHistory {
  /** When the current process started (null without one). */
  startedAt: number | null
  lastUsedAt: number | null
  restarts: number
  crashes: number
  /** The last crash or load error, for the person. */
  lastError: string | null
  /** When a restart is due (back-off after a crash). */
  restartAt: number | null
}

/** How a worker loads its model. */
export type LoadOptions = Omit<LoadRequest, 'type' | 'id'>

export interface LifecycleOptions {
  now: () => number
  crashPolicy: CrashPolicy
  /** Grace before SIGKILL when stopping a worker. */
  graceMs: number
}

