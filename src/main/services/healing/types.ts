import type { HealthSummary } from '../../../shared/contract/domains/health'
import type { Fitness, Patch, PatchChange, Strategy } from '../../../shared/contract/domains/healing'
import type { CheckpointInfo } from '../../../shared/contract/domains/checkpoints'
import type { Persona, Settings, WorkerInfo } from '../../../shared/contract/inference'

/** A patch before it is stored: what a strategy, the supervisor or a person proposes. */
export interface PatchDraft {
  /** The health source (`persona:Ada`, `model:x`, an external name) or the module it is about. */
  source: string
  strategy: Strategy
  title: string
  /** Why: the signals it answers, in words a person can check. */
  rationale: string
  change: PatchChange
}

/** Health signals of what a patch aims at, measured before and after it in the sandbox. */
export interface SignalReading {
  phi: number | null
  /** Basin drift (radians) from the source's baseline, or null. */
  drift: number | null
  errorRate: number | null
  /** Module patches: tests passed and failed (null where tests do not apply). */
  testsPassed: number | null
  testsFailed: number | null
}

/** What the sandbox found: the readings before and after, code quality, and its log. */
export interface SandboxResult {
  /** Module patches: whether the module's tests pass with the patch; null for other kinds. */
  passed: boolean | null
  before: SignalReading
  after: SignalReading
  /** Code quality in [0, 1] (module diffs: see fitness.ts; 1 for changes without code). */
  quality: number
  log: string
  durationMs: number
}

export interface ProgressReport {
  (message: string, fraction: number | null): void
}

/** Evaluates a draft before it is proposed (seed 003: every patch is tested first). */
export interface Sandbox {
  evaluate(draft: PatchDraft, options?: { signal?: AbortSignal; onProgress?: ProgressReport }): Promise<SandboxResult>
  /**
   * A person's input checked before anything is stored or run (a module diff: it parses, stays
   * inside the module, applies); throws INVALID_INPUT naming the problem, `label` naming the input.
   */
  check?(draft: PatchDraft, label?: string): Promise<void>
  /**
   * A module's tests (or its entry point) as it is now, on a copy: how an applied module patch's
   * outcome is judged at the next look. NOT_FOUND when the module is not active.
   */
  checkModule?(module: string, signal?: AbortSignal): Promise<{ ok: boolean; ran: 'tests' | 'entry' | 'nothing' }>
}

/** Fitness of a sandbox result (fitness.ts): 0.4 Φ + 0.3 basin + 0.2 errors + 0.1 quality, and the recommendation. */
export type FitnessOf = (result: SandboxResult, applyThreshold: number) => Fitness

/** What a strategy sees when the loop runs. */
export interface StrategyContext {
  now: number
  settings: Settings
  summary: HealthSummary
  workers: WorkerInfo[]
  /** A persona's checkpoints (newest first). */
  checkpoints(persona: string): Promise<CheckpointInfo[]>
  /** Patches already pending or applied (a strategy does not propose the same change twice). */
  pending: Patch[]
  /**
   * The personas with their settings (a persona patch states each setting's `from`). Without them
   * the strategies that change persona settings propose nothing. Defaults to none.
   */
  personas?: Persona[]
}

/** One of the five strategies: patches for the signals it answers (none when nothing is wrong). */
export type StrategyFn = (ctx: StrategyContext) => Promise<PatchDraft[]>

/** Where new proposals go (the healing engine): evaluated in the sandbox, stored, shown for review. */
export interface ProposalSink {
  propose(draft: PatchDraft, options?: { signal?: AbortSignal; onProgress?: ProgressReport }): Promise<Patch>
}
