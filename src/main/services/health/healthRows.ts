import type { HealthMetricName, HealthPoint, HealthStatus, SourceKind } from '../../../shared/contract/domains/health'
import { healthMetricNames } from '../../../shared/contract/domains/health'
import type { StoredBaseline } from './HealthStore'
import type { StoredSnapshot } from './types'

/**
 * The rows of the health tables (migration 5 in storage/Database.ts) and their conversion: metric
 * columns, raw snapshot rows, roll-up buckets summed in memory, basin blobs.
 */

/** SQL column of a metric (latencyMs → latency_ms). A metric added to the contract needs a migration adding its columns. */
export const metricColumn = (m: HealthMetricName): string => m.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
export const COLUMNS = healthMetricNames.map(metricColumn)

/** A roll-up bucket being built in memory: count, and per metric (in `healthMetricNames` order) n, sum, min, max. */
export interface Bucket {
  source: string
  bucket: number
  count: number
  n: number[]
  sum: number[]
  min: Array<number | null>
  max: Array<number | null>
}

const finiteOrNull = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null)

export type RawRow = { source: string; kind: SourceKind; at: number; status: HealthStatus; basin: Buffer | null } & Record<string, number | null>
export type BaselineRow = { source: string; basin: Buffer; set_at: number; origin: string }

export function rawRow(s: StoredSnapshot, at: number): unknown[] {
  // Infinity or NaN is not a measurement: stored as missing, as the roll-ups count it.
  return [s.source, s.kind, at, s.status, ...healthMetricNames.map((m) => finiteOrNull(s[m])), s.basin ? encodeBasin(s.basin) : null]
}

export function fromRaw(row: RawRow): StoredSnapshot {
  const s = { source: row.source, kind: row.kind, at: row.at, status: row.status } as StoredSnapshot
  healthMetricNames.forEach((m, i) => (s[m] = row[COLUMNS[i]]))
  s.basin = row.basin ? decodeBasin(row.basin) : null
  return s
}

export function fromBaselineRow(row: BaselineRow): StoredBaseline {
  return { source: row.source, basin: decodeBasin(row.basin), setAt: row.set_at, from: row.origin }
}

export function addTo(buckets: Map<string, Bucket>, s: StoredSnapshot, at: number, unit: number): void {
  const start = Math.floor(at / unit) * unit
  const key = `${start}\u0000${s.source}`
  let b = buckets.get(key)
  if (!b) {
    const k = healthMetricNames.length
    b = { source: s.source, bucket: start, count: 0, n: Array(k).fill(0), sum: Array(k).fill(0), min: Array(k).fill(null), max: Array(k).fill(null) }
    buckets.set(key, b)
  }
  b.count++
  healthMetricNames.forEach((m, i) => {
    const v = s[m]
    if (v === null || !Number.isFinite(v)) return
    b.n[i]++
    b.sum[i] += v
    b.min[i] = b.min[i] === null ? v : Math.min(b.min[i]!, v)
    b.max[i] = b.max[i] === null ? v : Math.max(b.max[i]!, v)
  })
}

export function bucketRow(b: Bucket): unknown[] {
  const row: unknown[] = [b.source, b.bucket, b.count]
  for (let i = 0; i < b.n.length; i++) row.push(b.n[i], b.sum[i], b.min[i], b.max[i])
  return row
}

export function emptyPoint(at: number, count: number): HealthPoint & { min: Record<string, number | null>; max: Record<string, number | null> } {
  return { at, count, values: {}, min: {}, max: {} }
}

/** A basin as little-endian float64s: exact, and a fifth of its JSON text. */
export function encodeBasin(basin: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(basin.length * 8)
  basin.forEach((x, i) => buf.writeDoubleLE(x, i * 8))
  return buf
}

export function decodeBasin(buf: Buffer): number[] {
  const out = new Array<number>(buf.length >> 3)
  for (let i = 0; i < out.length; i++) out[i] = buf.readDoubleLE(i * 8)
  return out
}
