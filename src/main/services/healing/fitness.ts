/**
 * A patch's fitness from its sandbox result (seed 003): 0.4 · Φ improvement + 0.3 · basin correction
 * + 0.2 · error reduction + 0.1 · code quality, each part in [0, 1], and what to do with it. The
 * formulas and what each part means are in docs/health-metrics.md ("Fitness"). Pure: no clock, no I/O.
 */
import type { Fitness } from '../../../shared/contract/domains/healing'
import type { FitnessOf, SandboxResult } from './types'

export const FITNESS_WEIGHTS = { phi: 0.4, basin: 0.3, errors: 0.2, quality: 0.1 } as const

/** What a part is when nothing measured it: the middle, so it neither lifts nor sinks a patch. */
export const UNMEASURED = 0.5

/** Badness below these counts as none: Φ a hair outside its band, drift of a few hundredths of a radian. */
const PHI_TOLERANCE = 0.01
const DRIFT_TOLERANCE = 0.05

/** The settings fitness reads: the healthy Φ band and the drift threshold. */
export interface FitnessBands {
  phiMin: number
  phiMax: number
  driftMax: number
}

export interface FitnessOptions extends FitnessBands {
  applyThreshold: number
}

/**
 * How much better a signal is after than before, in [0, 1], from its "badness" (0 = healthy) before
 * `b` and after `a`, on the scale `scale` (the badness that counts as fully sick):
 * unmeasured (either null) → 0.5; healthy after (a ≤ tolerance) → 1; otherwise
 * 0.5 + (b − a) / (2 · scale), clamped: unchanged 0.5, better above, worse below.
 */
export function improvement(b: number | null, a: number | null, scale: number, tolerance = 0): number {
  if (b === null || a === null || !Number.isFinite(b) || !Number.isFinite(a)) return UNMEASURED
  const s = scale > 0 && Number.isFinite(scale) ? scale : 1
  const before = b <= tolerance ? 0 : Math.min(b, s)
  const after = a <= tolerance ? 0 : Math.min(a, s)
  if (after === 0) return 1
  return clamp01(0.5 + (before - after) / (2 * s))
}

/** How far Φ is outside the healthy band [phiMin, phiMax]; 0 inside it. */
export function phiDistance(phi: number | null, band: Pick<FitnessBands, 'phiMin' | 'phiMax'>): number | null {
  if (phi === null || !Number.isFinite(phi)) return null
  return Math.max(0, band.phiMin - phi, phi - band.phiMax)
}

/**
 * Code quality of a module diff in [0, 1]: the share of changed script files that still parse
 * (`node --check`), times a size score — 1 up to 20 changed lines, falling linearly to 0 at 500
 * (a small fix is easier to review and less likely to break something else).
 */
export function codeQuality(input: { changedLines: number; scriptsChecked: number; scriptsParsed: number }): number {
  const syntax = input.scriptsChecked > 0 ? input.scriptsParsed / input.scriptsChecked : 1
  const size = 1 - Math.max(0, input.changedLines - 20) / 480
  return clamp01(syntax * clamp01(size))
}

/** Share of export names that differ between two lists (Jaccard distance); 0 when both are empty. */
export function exportsChanged(before: readonly string[], after: readonly string[]): number {
  const a = new Set(before)
  const b = new Set(after)
  const union = new Set([...a, ...b])
  if (!union.size) return 0
  let common = 0
  for (const name of a) if (b.has(name)) common++
  return 1 - common / union.size
}

/** The fitness of a sandbox result. */
export function fitness(result: SandboxResult, options: FitnessOptions): Fitness {
  const { before, after } = result
  const isModule = result.passed !== null
  let phi: number
  let basin: number
  let errors: number
  if (isModule) {
    // A module has no Φ: the share of its tests that fail stands in (scale 1: all of them).
    phi = improvement(failedShare(before.testsPassed, before.testsFailed), failedShare(after.testsPassed, after.testsFailed), 1)
    // Its "basin" is what it offers the rest of the system: the sandbox puts the share of export
    // names changed by the patch in after.drift (before.drift is 0). Kept whole → 1, all changed → 0.
    basin = after.drift === null ? UNMEASURED : clamp01(1 - after.drift)
    // Errors: the failing tests, relative to the larger count (halving them is worth 0.75).
    errors = improvement(before.testsFailed, after.testsFailed, Math.max(before.testsFailed ?? 0, after.testsFailed ?? 0))
  } else {
    phi = improvement(phiDistance(before.phi, options), phiDistance(after.phi, options), Math.max(options.phiMin, 1 - options.phiMax), PHI_TOLERANCE)
    basin = improvement(before.drift, after.drift, options.driftMax, DRIFT_TOLERANCE)
    errors = improvement(before.errorRate, after.errorRate, Math.max(before.errorRate ?? 0, after.errorRate ?? 0))
  }
  const quality = clamp01(result.quality)
  const parts = { phi: round(phi), basin: round(basin), errors: round(errors), quality: round(quality) }
  const score = round(FITNESS_WEIGHTS.phi * phi + FITNESS_WEIGHTS.basin * basin + FITNESS_WEIGHTS.errors * errors + FITNESS_WEIGHTS.quality * quality)
  // Worse signals: a module whose tests fail after the patch, or a measured signal that got worse.
  const worse = result.passed === false || phi < UNMEASURED || errors < UNMEASURED || (!isModule && basin < UNMEASURED)
  const recommendation = worse ? 'reject' : score >= options.applyThreshold ? 'apply' : 'test_more'
  return { score, parts, recommendation }
}

/** The engine's FitnessOf, reading the bands from the settings each time. */
export function createFitnessOf(bands: () => FitnessBands): FitnessOf {
  return (result, applyThreshold) => fitness(result, { ...bands(), applyThreshold })
}

function failedShare(passed: number | null, failed: number | null): number | null {
  if (passed === null || failed === null) return null
  const total = passed + failed
  return total > 0 ? failed / total : 0
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0
}

/** Four decimals: what a person reads, and stable in stored patches and tests. */
function round(x: number): number {
  return Math.round(x * 10_000) / 10_000
}
