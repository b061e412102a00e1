import type { HealthIssue, SourceHealth } from '../../../../shared/contract/domains/health'
import type { PatchChange } from '../../../../shared/contract/domains/healing'
import type { Persona, WorkerInfo } from '../../../../shared/contract/inference'
import type { PatchDraft, StrategyContext } from '../types'

/**
 * What the five strategies share: reading a source's signals, projecting a trend to a threshold,
 * and leaving out a draft that is already waiting for review.
 */

const HOUR = 3_600_000

/** How far ahead a trend is projected: a source that crosses its threshold within this is "trending toward it". */
export const TREND_HORIZON_HOURS = 1

/** A trend counts over at least this many snapshots… */
export const TREND_MIN_POINTS = 5
/** …spanning at least this long: a slope from seconds of data, projected an hour ahead, is noise. */
export const TREND_MIN_SPAN_MS = 10 * 60_000

/** A source's trend of `metric` (per hour) when its window is long enough to trust it; else null. */
export function trendOf(source: SourceHealth, metric: string, minSpanMs = TREND_MIN_SPAN_MS, minPoints = TREND_MIN_POINTS): number | null {
  const slope = source.trends[metric]
  if (slope === null || slope === undefined || !Number.isFinite(slope)) return null
  return source.windowSize >= minPoints && windowSpanMs(source) >= minSpanMs ? slope : null
}

/** From the window's oldest snapshot to the latest (0 when unknown). */
export function windowSpanMs(source: SourceHealth): number {
  return source.latest && source.windowFrom != null ? source.latest.at - source.windowFrom : 0
}

/** "the last 40 snapshots (39 min)": what a trend was measured over. */
export function overWindow(source: SourceHealth): string {
  return `the last ${source.windowSize} snapshots (${hours(windowSpanMs(source) / HOUR)})`
}

/** The active issue of a metric on a source, if any. */
export function issueOf(source: SourceHealth, metric: HealthIssue['metric']): HealthIssue | null {
  return source.issues.find((i) => i.metric === metric) ?? null
}

/**
 * Hours until `value` moving at `slopePerHour` reaches `threshold`; null when it moves away from it
 * (or does not move). 0 when it is already past.
 */
export function hoursToReach(value: number, slopePerHour: number | null | undefined, threshold: number, direction: 'above' | 'below'): number | null {
  const past = direction === 'above' ? value > threshold : value < threshold
  if (past) return 0
  if (slopePerHour === null || slopePerHour === undefined || !Number.isFinite(slopePerHour)) return null
  const toward = direction === 'above' ? slopePerHour > 0 : slopePerHour < 0
  if (!toward) return null
  return (threshold - value) / slopePerHour
}

/** `persona:Ada` → `Ada`; null for other sources. */
export function personaOf(source: string): string | null {
  return source.startsWith('persona:') ? source.slice('persona:'.length) : null
}

/** `model:x` → `x`; null for other sources. */
export function modelOf(source: string): string | null {
  return source.startsWith('model:') ? source.slice('model:'.length) : null
}

export function findPersona(ctx: StrategyContext, name: string): Persona | null {
  return ctx.personas?.find((p) => p.name === name) ?? null
}

/** The worker of a model (by id, or by the name or path a persona gave). */
export function workerOf(workers: readonly WorkerInfo[], model: string): WorkerInfo | null {
  return workers.find((w) => w.modelId === model || w.modelName === model) ?? null
}

/** A change's identity: its JSON with keys sorted, so two equal changes compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    return `{${entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

export function sameChange(a: PatchChange, b: PatchChange): boolean {
  return canonical(a) === canonical(b)
}

/** Statuses of a patch still waiting for a person (or being applied): the same change is not proposed again. */
const WAITING = new Set(['evaluating', 'proposed', 'applying'])

/** The drafts whose change no waiting patch (or earlier draft) already proposes, whatever source it came from. */
export function notPending(ctx: StrategyContext, drafts: PatchDraft[]): PatchDraft[] {
  const waiting = ctx.pending.filter((p) => WAITING.has(p.status))
  const out: PatchDraft[] = []
  for (const d of drafts) {
    if (waiting.some((p) => sameChange(p.change, d.change))) continue
    if (out.some((o) => sameChange(o.change, d.change))) continue
    out.push(d)
  }
  return out
}

// Figures as a person reads them in a rationale.
export const n2 = (x: number) => x.toFixed(2)
export const pct = (x: number) => `${+(x * 100).toFixed(1)} %`
export const ms = (x: number) => `${Math.round(x)} ms`
export const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`
export const when = (at: number) => new Date(at).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'
export const hours = (h: number) => (h < 1 ? `${Math.max(1, Math.round(h * 60))} min` : `${+h.toFixed(1)} h`)
export const perHour = (slope: number, unit: (x: number) => string) => `${slope >= 0 ? '+' : '−'}${unit(Math.abs(slope))}/h`
export { HOUR }
