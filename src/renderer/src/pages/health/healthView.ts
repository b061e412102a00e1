import type { HealthMetricName, HealthPoint, HealthStatus } from '../../../../shared/contract/domains/health'
import { formatBytes } from '../../../../shared/format'
import type { SettingRow } from '../../lib/types'

/** The time ranges the charts offer, as `health.history` understands them (a span back from now). */
export const healthRanges = ['15m', '1h', '6h', '24h', '7d', '30d'] as const
export type HealthRange = (typeof healthRanges)[number]

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** A range's length in milliseconds: '15m' → 900000. */
export function rangeMs(range: HealthRange): number {
  const unit = range.slice(-1) as keyof typeof UNIT_MS
  return Number(range.slice(0, -1)) * UNIT_MS[unit]
}

/** A window on the time axis: the whole range back from now, or a zoomed part of it (absolute). */
export type HistoryWindow = { range: HealthRange } | { from: number; to: number }

/** The `since`/`until` of a `health.history` call for a window: a range stays relative, so a refetch moves with now. */
export function windowQuery(window: HistoryWindow): { since: string | number; until?: number } {
  if ('range' in window) return { since: window.range }
  return { since: Math.floor(window.from), until: Math.ceil(window.to) }
}

/**
 * The zoomed window of a drag from `a` to `b` on the time axis (either order), or null for a click
 * or a drag too short to mean a range (less than a second).
 */
export function zoomWindow(a: number, b: number): { from: number; to: number } | null {
  const from = Math.min(a, b)
  const to = Math.max(a, b)
  if (!Number.isFinite(from) || !Number.isFinite(to) || to - from < 1000) return null
  return { from, to }
}

/** The chart grid's layout (health.css): columns at least 420 px wide, 12 px apart; each chart has 24 px of padding and a 64 px y-axis. */
const CHART_MIN = 420
const CHART_GAP = 12
const CHART_CHROME = 24 + 64 + 12

/** The width of one chart's plot area in a chart grid `gridWidth` pixels wide: what `points` is sized to. */
export function plotWidth(gridWidth: number): number {
  const columns = Math.max(1, Math.floor((gridWidth + CHART_GAP) / (CHART_MIN + CHART_GAP)))
  return Math.max(0, (gridWidth - (columns - 1) * CHART_GAP) / columns - CHART_CHROME)
}

/** Points to ask for: about one per pixel of the chart, within what the operation accepts (2–5000). */
export function pointsFor(widthPx: number): number {
  if (!Number.isFinite(widthPx) || widthPx <= 0) return 500
  return Math.max(2, Math.min(5000, Math.round(widthPx)))
}

/** The thresholds the charts draw, from the Health settings (`config.get`); the contract's defaults until they arrive. */
export interface HealthThresholdLines {
  phiMin: number
  phiMax: number
  kappaTarget: number
  driftMax: number
  errorRateMax: number
  latencyMaxMs: number
}

export const defaultThresholds: HealthThresholdLines = { phiMin: 0.65, phiMax: 0.85, kappaTarget: 64, driftMax: 2, errorRateMax: 0.05, latencyMaxMs: 2000 }

const SETTING_OF: Record<keyof HealthThresholdLines, string> = {
  phiMin: 'healthPhiMin',
  phiMax: 'healthPhiMax',
  kappaTarget: 'healthKappaTarget',
  driftMax: 'healthDriftMax',
  errorRateMax: 'healthErrorRateMax',
  latencyMaxMs: 'healthLatencyMaxMs',
}

/** The threshold lines from the settings rows; a missing or non-numeric value keeps its default. */
export function thresholdsFrom(rows: readonly SettingRow[]): HealthThresholdLines {
  const out = { ...defaultThresholds }
  for (const key of Object.keys(SETTING_OF) as Array<keyof HealthThresholdLines>) {
    const value = Number(rows.find((r) => r.key === SETTING_OF[key])?.value)
    if (rows.some((r) => r.key === SETTING_OF[key]) && Number.isFinite(value)) out[key] = value
  }
  return out
}

/** One chart of a source's page: which metric, how it is named and formatted, which lines it carries. */
export interface ChartSpec {
  metric: HealthMetricName
  title: string
  /** Reference lines: the value and what it is. */
  lines(t: HealthThresholdLines): Array<{ value: number; label: string }>
  format(value: number): string
  /** The y-axis domain when the metric has a natural one. */
  domain?: [number, number]
}

export const chartSpecs: readonly ChartSpec[] = [
  {
    metric: 'phi', title: 'Φ', domain: [0, 1], format: (v) => v.toFixed(2),
    lines: (t) => [{ value: t.phiMin, label: `Φ min ${t.phiMin}` }, { value: t.phiMax, label: `Φ max ${t.phiMax}` }],
  },
  { metric: 'kappa', title: 'κ_eff', format: (v) => v.toFixed(1), lines: (t) => [{ value: t.kappaTarget, label: `κ target ${t.kappaTarget}` }] },
  { metric: 'drift', title: 'Basin drift', domain: [0, Math.PI], format: (v) => `${v.toFixed(2)} rad`, lines: (t) => [{ value: t.driftMax, label: `drift max ${t.driftMax}` }] },
  { metric: 'latencyMs', title: 'Latency', format: formatMs, lines: (t) => [{ value: t.latencyMaxMs, label: `latency max ${formatMs(t.latencyMaxMs)}` }] },
  { metric: 'errorRate', title: 'Error rate', domain: [0, 1], format: formatPercent, lines: (t) => [{ value: t.errorRateMax, label: `error rate max ${formatPercent(t.errorRateMax)}` }] },
  { metric: 'tokensPerSecond', title: 'Tokens/s', format: (v) => (v >= 100 ? Math.round(v).toString() : v.toFixed(1)), lines: () => [] },
  { metric: 'memoryBytes', title: 'Memory', format: formatBytes, lines: () => [] },
]

/** One row of a chart's data: the bucket's time, its mean, and its [min, max] where it is a roll-up. */
export interface ChartRow {
  at: number
  value: number | null
  band: [number, number] | null
}

/** A metric's rows from `health.history` points; the band only where the point rolls up more than one snapshot. */
export function chartRows(points: readonly HealthPoint[], metric: HealthMetricName): ChartRow[] {
  return points.map((p) => {
    const value = p.values[metric] ?? null
    const lo = p.min?.[metric]
    const hi = p.max?.[metric]
    const band: [number, number] | null = p.count > 1 && lo != null && hi != null ? [lo, hi] : null
    return { at: p.at, value, band }
  })
}

/** Whether any row has a value: a source that does not measure a metric gets a note, not an empty chart. */
export function hasValues(rows: readonly ChartRow[]): boolean {
  return rows.some((r) => r.value !== null)
}

/** A time-axis tick for a window of `spanMs`: clock time up to a day, then day and hour. */
export function formatTick(at: number, spanMs: number): string {
  const d = new Date(at)
  const pad = (n: number) => String(n).padStart(2, '0')
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  if (spanMs <= 2 * 3_600_000) return `${time}:${pad(d.getSeconds())}`
  if (spanMs <= 36 * 3_600_000) return time
  return `${d.getMonth() + 1}/${d.getDate()} ${time}`
}

/** What one point stands for, for a tooltip: "12:03:04" for a raw snapshot, "12:03 · 37 snapshots" for a roll-up. */
export function formatBucket(point: Pick<HealthPoint, 'at' | 'count'>, resolution: 'raw' | 'minute' | 'hour'): string {
  const d = new Date(point.at)
  const pad = (n: number) => String(n).padStart(2, '0')
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
  const when = resolution === 'raw' && point.count <= 1 ? `${day} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : `${day} ${pad(d.getHours())}:${pad(d.getMinutes())}`
  return point.count > 1 ? `${when} · ${point.count} snapshots` : when
}

/** "3 s ago", "5 min ago", "2 h ago", "4 d ago"; "—" without a time. */
export function formatAge(at: number | null | undefined, now: number): string {
  if (at == null) return '—'
  const s = Math.max(0, Math.round((now - at) / 1000))
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 172_800) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86_400)} d ago`
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`
}

export function formatPercent(share: number): string {
  const p = share * 100
  return `${p < 10 && p !== 0 ? p.toFixed(1) : Math.round(p)} %`
}

/** Worst first, then by name: what needs looking at is at the top of the grid. */
const RANK: Record<HealthStatus, number> = { critical: 0, warning: 1, unknown: 2, normal: 3 }
export function bySeverity<T extends { status: HealthStatus; source: string }>(a: T, b: T): number {
  return RANK[a.status] - RANK[b.status] || a.source.localeCompare(b.source)
}
