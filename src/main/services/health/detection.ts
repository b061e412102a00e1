import type { HealthIssue, HealthSnapshot, HealthStatus } from '../../../shared/contract/domains/health'
import type { Detection, DetectorRun, DetectorState, HealthThresholds } from './types'

/**
 * Degradation detection (docs/health-detection.md): pure functions of a source's previous state,
 * its latest snapshot and the thresholds. An issue is raised after `alertAfter` consecutive
 * snapshots past its threshold and cleared after as many back inside it by a margin, so a single
 * outlier never alerts and a value hovering on the line does not flap.
 */

export type IssueMetric = HealthIssue['metric']

/** Back inside means this share of the threshold away from it (Φ 0.65 clears at 0.663). */
export const HYSTERESIS_MARGIN = 0.02

interface Rule {
  metric: IssueMetric
  value(s: HealthSnapshot): number | null
  threshold(t: HealthThresholds): number
  /** The bad side of the threshold. */
  direction: 'below' | 'above'
  /** Far enough past the threshold to be critical on its own. */
  critical(value: number, threshold: number): boolean
  message(value: number, threshold: number, snapshots: number): string
}

const n2 = (x: number) => x.toFixed(2)
const pct = (x: number) => `${+(x * 100).toFixed(1)}%`
const ms = (x: number) => `${Math.round(x)} ms`
const forN = (n: number) => `for ${n} snapshot${n === 1 ? '' : 's'}`

/** The checks, in the order issues are listed. */
const rules: Rule[] = [
  {
    metric: 'phi_low',
    value: (s) => s.phi,
    threshold: (t) => t.phiMin,
    direction: 'below',
    // Φ lives in [0, 1]: 0.15 under the lower threshold is a source that has lost its thread.
    critical: (v, th) => v < th - 0.15,
    message: (v, th, n) =>
      `Φ ${n2(v)} below ${n2(th)} ${forN(n)}: answers are uncertain and scattered — check the prompt and context (truncated history?), the model and its adapters (genome), and sampling settings`,
  },
  {
    metric: 'phi_high',
    value: (s) => s.phi,
    threshold: (t) => t.phiMax,
    direction: 'above',
    // Half way from the upper threshold to 1: the output is close to a loop.
    critical: (v, th) => v > th + (1 - th) / 2,
    message: (v, th, n) =>
      `Φ ${n2(v)} above ${n2(th)} ${forN(n)}: answers are repetitive — check sampling settings (temperature, repeat penalty) and the genome`,
  },
  {
    metric: 'drift',
    value: (s) => s.drift,
    threshold: (t) => t.driftMax,
    direction: 'above',
    critical: (v, th) => v > th * 1.5,
    message: (v, th, n) =>
      `Basin drift ${n2(v)} rad above ${n2(th)} ${forN(n)}: answers moved away from the baseline — check recent changes to the genome, system prompt or model; if the change is intended, set a new baseline`,
  },
  {
    metric: 'error_rate',
    value: (s) => s.errorRate,
    threshold: (t) => t.errorRateMax,
    direction: 'above',
    critical: (v, th) => v > th * 3,
    message: (v, th, n) =>
      `Error rate ${pct(v)} above ${pct(th)} ${forN(n)}: generations fail — check the logs for worker crashes and timeouts, and free memory`,
  },
  {
    metric: 'latency',
    value: (s) => s.latencyMs,
    threshold: (t) => t.latencyMaxMs,
    direction: 'above',
    critical: (v, th) => v > th * 3,
    message: (v, th, n) =>
      `Latency ${ms(v)} above ${ms(th)} ${forN(n)}: answers are slow — check the queue, GPU memory (a model paged out?) and context size`,
  },
]

/** The state of a source never seen before. */
export function emptyDetectorState(): DetectorState {
  return { runs: {}, lastAt: null }
}

const emptyRun = (): DetectorRun => ({ past: 0, inside: 0, since: null, snapshots: 0, value: null, active: false })

/** One rule's run after one snapshot. A snapshot that does not measure the metric changes nothing. */
function step(run: DetectorRun, rule: Rule, snapshot: HealthSnapshot, t: HealthThresholds): DetectorRun {
  const value = rule.value(snapshot)
  if (value === null || !Number.isFinite(value)) return run
  const th = rule.threshold(t)
  const margin = Math.abs(th) * HYSTERESIS_MARGIN
  const past = rule.direction === 'below' ? value < th : value > th
  const inside = rule.direction === 'below' ? value >= th + margin : value <= th - margin
  const need = Math.max(1, Math.round(t.alertAfter))
  const next: DetectorRun = { ...run, value }
  if (past) {
    next.past = run.past + 1
    next.inside = 0
  } else if (inside) {
    next.inside = run.inside + 1
    next.past = 0
  } else {
    // Between the threshold and the margin: neither a run past it nor a clear recovery.
    next.past = 0
    next.inside = 0
  }
  if (!run.active) {
    if (next.past === 1) {
      next.since = snapshot.at
      next.snapshots = 0
    }
    if (next.past === 0) {
      next.since = null
      next.snapshots = 0
      return next
    }
    next.snapshots += 1
    if (next.past >= need) next.active = true
    return next
  }
  next.snapshots += 1
  if (next.inside >= need) return { ...emptyRun(), value }
  return next
}

function issueOf(rule: Rule, run: DetectorRun, t: HealthThresholds): HealthIssue {
  const th = rule.threshold(t)
  const value = run.value ?? th
  return {
    metric: rule.metric,
    severity: rule.critical(value, th) ? 'critical' : 'warning',
    value,
    threshold: th,
    since: run.since ?? 0,
    message: rule.message(value, th, run.snapshots),
  }
}

/**
 * The source's status after `snapshot`:
 * - `unknown`: the snapshot measures none of Φ, drift, error rate and latency (and nothing is
 *   raised), or it is older than `thresholds.staleAfterMs` at `now`;
 * - `critical`: an issue far past its threshold (see the rules), or two issues at once;
 * - `warning`: one issue; `normal`: none.
 * The same snapshot given twice (same `at` or older) re-evaluates without counting again.
 */
export function detect(previous: DetectorState | null, snapshot: HealthSnapshot, thresholds: HealthThresholds, now: number): Detection {
  const prior = previous ?? emptyDetectorState()
  const counts = prior.lastAt === null || prior.lastAt === undefined || snapshot.at > prior.lastAt
  const runs: Record<string, DetectorRun> = { ...prior.runs }
  if (counts) for (const rule of rules) runs[rule.metric] = step(prior.runs[rule.metric] ?? emptyRun(), rule, snapshot, thresholds)
  const issues = rules.filter((r) => runs[r.metric]?.active).map((r) => issueOf(r, runs[r.metric], thresholds))
  const state: DetectorState = { runs, lastAt: counts ? snapshot.at : prior.lastAt }
  const measured = rules.some((r) => r.value(snapshot) !== null)
  const stale = thresholds.staleAfterMs !== undefined && now - snapshot.at > thresholds.staleAfterMs
  return { status: statusOf(issues, measured && !stale), issues, state }
}

/** The status of a set of active issues (see `detect`). */
export function statusOf(issues: readonly HealthIssue[], measured = true): HealthStatus {
  if (issues.length === 0) return measured ? 'normal' : 'unknown'
  if (!measured) return 'unknown'
  return issues.length >= 2 || issues.some((i) => i.severity === 'critical') ? 'critical' : 'warning'
}

/** The worst of several statuses (a summary over sources): critical > warning > normal > unknown. */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  const rank: Record<HealthStatus, number> = { unknown: 0, normal: 1, warning: 2, critical: 3 }
  let worst: HealthStatus = 'unknown'
  for (const s of statuses) if (rank[s] > rank[worst]) worst = s
  return worst
}

/** One definition of the regime (metrics.ts); detection's callers find it here too. */
export { regimeOf } from './metrics'

/** The metrics `trends` gives a slope for. */
export const TREND_METRICS = ['phi', 'kappa', 'drift', 'latencyMs', 'errorRate', 'tokensPerSecond', 'memoryBytes'] as const
export type TrendMetric = (typeof TREND_METRICS)[number]

const HOUR = 3_600_000

/**
 * Least-squares slope per hour of each trend metric over `window` (any order), from the snapshots
 * that measure it; null with fewer than 3 such snapshots or when they all share one time.
 */
export function trends(window: readonly HealthSnapshot[]): Record<TrendMetric, number | null> {
  const k = TREND_METRICS.length
  // One pass, sums of (t, v) shifted to each metric's first point: epoch milliseconds squared, or
  // memory in bytes, would otherwise lose the slope to rounding.
  const n = new Float64Array(k)
  const t0 = new Float64Array(k)
  const v0 = new Float64Array(k)
  const sx = new Float64Array(k)
  const sy = new Float64Array(k)
  const sxx = new Float64Array(k)
  const sxy = new Float64Array(k)
  for (const s of window) {
    const values = [s.phi, s.kappa, s.drift, s.latencyMs, s.errorRate, s.tokensPerSecond, s.memoryBytes]
    for (let i = 0; i < k; i++) {
      const v = values[i]
      if (v === null || !Number.isFinite(v)) continue
      if (n[i] === 0) {
        t0[i] = s.at
        v0[i] = v
      }
      const x = (s.at - t0[i]) / HOUR
      const y = v - v0[i]
      n[i]++
      sx[i] += x
      sy[i] += y
      sxx[i] += x * x
      sxy[i] += x * y
    }
  }
  const out = {} as Record<TrendMetric, number | null>
  TREND_METRICS.forEach((metric, i) => {
    const d = n[i] * sxx[i] - sx[i] * sx[i]
    // Fewer than 3 points, or all at one time (d is 0 up to rounding).
    out[metric] = n[i] < 3 || d <= 1e-12 * n[i] * sxx[i] ? null : (n[i] * sxy[i] - sx[i] * sy[i]) / d
  })
  return out
}
