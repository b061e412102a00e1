import type { TokenStats } from '../workers/protocol'
import type { HealthIssue, HealthSnapshot, HealthStatus } from '../../../shared/contract/domains/health'

/** Defined in the worker protocol (the worker measures it); the definitions built on it are in `metrics.ts`. */
export type { TokenStats } from '../workers/protocol'

/** One finished (or failed) generation, as the inference service reports it to the monitor. */
export interface GenerationEvent {
  /** The persona, or null for a request on a model without one (OpenAI `/v1/completions`, embeddings). */
  persona: string | null
  modelId: string
  ok: boolean
  /** The error code when it failed (BUSY, TIMEOUT, WORKER_CRASHED…). */
  error: string | null
  at: number
  queueWaitMs: number | null
  ttftMs: number | null
  totalMs: number
  tokens: number
  /** The answer's text (embedded for basin coordinates), or '' when it failed. */
  text: string
  /** Null when the worker could not measure the distributions (a failed generation). */
  stats: TokenStats | null
}

/** Thresholds of degradation (the settings' health* values). */
export interface HealthThresholds {
  phiMin: number
  phiMax: number
  driftMax: number
  errorRateMax: number
  latencyMaxMs: number
  /** Consecutive snapshots past a threshold before an issue is raised, and back inside before it clears. */
  alertAfter: number
  /** A source whose latest snapshot is older than this is `unknown` (it stopped reporting). Defaults to never. */
  staleAfterMs?: number
}

/** What the detector remembers of one issue kind of a source (detection.ts). */
export interface DetectorRun {
  /** Consecutive snapshots past the threshold. */
  past: number
  /** Consecutive snapshots back inside the threshold by the hysteresis margin. */
  inside: number
  /** When the run past the threshold that raised (or may raise) the issue began; null when none. */
  since: number | null
  /** Snapshots seen since `since` (for the message: "for 4 snapshots"). */
  snapshots: number
  /** The latest value measured (a snapshot without it keeps the previous one). */
  value: number | null
  /** The issue is raised. */
  active: boolean
}

/** What the detector remembers of a source between snapshots (hysteresis). Start from `emptyDetectorState()`. */
export interface DetectorState {
  /** Per issue kind (`HealthIssue['metric']`). */
  runs: Record<string, DetectorRun>
  /** The latest snapshot's time counted: the same snapshot evaluated again does not count twice. */
  lastAt?: number | null
}

export interface Detection {
  status: HealthStatus
  issues: HealthIssue[]
  state: DetectorState
}

/** A snapshot with its basin coordinates (64 numbers, unit length), as stored. */
export interface StoredSnapshot extends HealthSnapshot {
  basin: number[] | null
}
