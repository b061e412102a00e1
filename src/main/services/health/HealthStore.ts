import type BetterSqlite3 from 'better-sqlite3'
import { healthMetricNames, type HealthPoint, type SourceKind } from '../../../shared/contract/domains/health'
import { WardenError } from '../../../shared/errors'
import type { WardenDatabase } from '../storage/Database'
import { addTo, bucketRow, COLUMNS, emptyPoint, encodeBasin, fromBaselineRow, fromRaw, rawRow, type BaselineRow, type Bucket, type RawRow } from './healthRows'
import type { StoredSnapshot } from './types'

export const MINUTE_MS = 60_000
export const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
/** Raw snapshots are kept this long; the minute and hour roll-ups for the retention. */
export const RAW_RETENTION_MS = 2 * DAY_MS
/** A range of at most this many snapshots is charted from the raw table. */
export const RAW_LIMIT = 10_000
/** A range of at most this many minutes (about a week) is charted from the minute roll-up. */
export const MINUTE_LIMIT = 10_000

export type HistoryResolution = 'raw' | 'minute' | 'hour'

export interface HealthHistory {
  resolution: HistoryResolution
  /** Oldest first; at most the `points` asked for. */
  points: HealthPoint[]
}

export interface HealthSourceRecord {
  source: string
  kind: SourceKind
  /** When its latest snapshot was taken. */
  lastAt: number
  /** Its latest snapshot, or null when raw snapshots were pruned (silent for over two days). */
  last: StoredSnapshot | null
}

export interface StoredBaseline {
  source: string
  basin: number[]
  setAt: number
  /** How it was set ("last 20 snapshots", "automatic"…), as given to `setBaseline`. */
  from: string
}

export interface PruneResult {
  snapshots: number
  minutes: number
  hours: number
  sources: number
}

/**
 * Health history in the SQLite database: raw snapshots (with their basin, as 64 float64s), minute
 * and hour roll-ups kept up to date in the same transaction as each insert (so a month, or a
 * million snapshots, charts from a few hundred rows), and the baseline basin of each source.
 * `prune` bounds it: raw snapshots for two days, roll-ups for the retention.
 */
export class HealthStore {
  private readonly db: BetterSqlite3.Database
  private readonly insertRaw: BetterSqlite3.Statement
  private readonly upsertMinute: BetterSqlite3.Statement
  private readonly upsertHour: BetterSqlite3.Statement
  private readonly upsertSource: BetterSqlite3.Statement
  private readonly insertManyTx: (snapshots: readonly StoredSnapshot[]) => void

  constructor(database: WardenDatabase) {
    this.db = database.db
    this.insertRaw = this.db.prepare(
      `INSERT INTO health_snapshots (source, kind, at, status, ${COLUMNS.join(', ')}, basin) VALUES (${Array(COLUMNS.length + 5).fill('?').join(', ')})`,
    )
    const upsert = (table: string) =>
      this.db.prepare(
        `INSERT INTO ${table} (source, bucket, count, ${COLUMNS.map((c) => `${c}_n, ${c}_sum, ${c}_min, ${c}_max`).join(', ')})
         VALUES (${Array(3 + COLUMNS.length * 4).fill('?').join(', ')})
         ON CONFLICT(source, bucket) DO UPDATE SET count = count + excluded.count,
         ${COLUMNS.map(
           (c) =>
             // MIN/MAX of two values is NULL if either is: keep the one that is there.
             `${c}_n = ${c}_n + excluded.${c}_n, ${c}_sum = ${c}_sum + excluded.${c}_sum,
              ${c}_min = MIN(COALESCE(${c}_min, excluded.${c}_min), COALESCE(excluded.${c}_min, ${c}_min)),
              ${c}_max = MAX(COALESCE(${c}_max, excluded.${c}_max), COALESCE(excluded.${c}_max, ${c}_max))`,
         ).join(',\n')}`,
      )
    this.upsertMinute = upsert('health_minutes')
    this.upsertHour = upsert('health_hours')
    this.upsertSource = this.db.prepare(
      `INSERT INTO health_sources (source, kind, last_at) VALUES (?, ?, ?)
       ON CONFLICT(source) DO UPDATE SET kind = excluded.kind, last_at = MAX(last_at, excluded.last_at)`,
    )
    // Roll-ups are summed in memory first: one upsert per bucket, not one per snapshot.
    this.insertManyTx = this.db.transaction((snapshots: readonly StoredSnapshot[]) => {
      const minutes = new Map<string, Bucket>()
      const hours = new Map<string, Bucket>()
      const latest = new Map<string, StoredSnapshot>()
      for (const s of snapshots) {
        const at = checkedTime(s)
        this.insertRaw.run(rawRow(s, at))
        addTo(minutes, s, at, MINUTE_MS)
        addTo(hours, s, at, HOUR_MS)
        const prev = latest.get(s.source)
        if (!prev || at >= prev.at) latest.set(s.source, s)
      }
      for (const b of minutes.values()) this.upsertMinute.run(bucketRow(b))
      for (const b of hours.values()) this.upsertHour.run(bucketRow(b))
      for (const s of latest.values()) this.upsertSource.run(s.source, s.kind, Math.round(s.at))
    })
  }

  /** Stores one snapshot and updates its roll-ups, in one transaction. */
  insert(snapshot: StoredSnapshot): void {
    this.insertManyTx([snapshot])
  }

  /** Stores many snapshots (any sources, any order) and their roll-ups in one transaction. */
  insertMany(snapshots: readonly StoredSnapshot[]): void {
    if (snapshots.length) this.insertManyTx(snapshots)
  }

  /** The latest `n` snapshots of a source with their basins, oldest first (a monitor's window at start-up). */
  recent(source: string, n: number): StoredSnapshot[] {
    const rows = this.db
      .prepare(`SELECT * FROM health_snapshots WHERE source = ? ORDER BY at DESC LIMIT ?`)
      .all(source, Math.max(0, Math.floor(n))) as RawRow[]
    return rows.reverse().map(fromRaw)
  }

  /** Every source with stored history, by name. */
  sources(): HealthSourceRecord[] {
    const rows = this.db.prepare('SELECT source, kind, last_at FROM health_sources ORDER BY source').all() as Array<{ source: string; kind: SourceKind; last_at: number }>
    const last = this.db.prepare('SELECT * FROM health_snapshots WHERE source = ? ORDER BY at DESC LIMIT 1')
    return rows.map((r) => {
      const row = last.get(r.source) as RawRow | undefined
      return { source: r.source, kind: r.kind, lastAt: r.last_at, last: row ? fromRaw(row) : null }
    })
  }

  /**
   * A source's history over [sinceMs, untilMs] in at most `points` points, from the finest table
   * that fits: raw snapshots when the range is still in the raw table and holds at most
   * `RAW_LIMIT` of them, else the minute roll-up for ranges up to `MINUTE_LIMIT` minutes, else the
   * hour roll-up. Points are means per bucket with min and max (raw snapshots as they are, when
   * there are no more than `points`). Roll-up buckets are aligned to the minute or hour.
   */
  history(source: string, sinceMs: number, untilMs: number, points: number): HealthHistory {
    if (!(Number.isFinite(sinceMs) && Number.isFinite(untilMs)) || sinceMs >= untilMs) {
      throw new WardenError('INVALID_INPUT', `A history range must run forwards: since ${sinceMs} is not before until ${untilMs}`)
    }
    if (!Number.isInteger(points) || points < 1) throw new WardenError('INVALID_INPUT', `points must be a whole number of at least 1, not ${points}`)
    const since = Math.floor(sinceMs)
    const until = Math.floor(untilMs)
    const known = this.db.prepare('SELECT raw_from FROM health_sources WHERE source = ?').get(source) as { raw_from: number } | undefined
    if (!known) {
      const names = (this.db.prepare('SELECT source FROM health_sources ORDER BY source LIMIT 20').all() as Array<{ source: string }>).map((r) => r.source)
      throw new WardenError('NOT_FOUND', `No health history for source "${source}"`, {
        hint: names.length ? `Sources with history: ${names.join(', ')}` : 'No source has reported a snapshot yet.',
      })
    }
    const span = until - since
    if (since >= known.raw_from && this.estimateCount(source, since, until) <= RAW_LIMIT) {
      return { resolution: 'raw', points: this.rawHistory(source, since, until, points) }
    }
    const resolution: HistoryResolution = span / MINUTE_MS <= MINUTE_LIMIT ? 'minute' : 'hour'
    return { resolution, points: this.rollupHistory(resolution === 'minute' ? 'health_minutes' : 'health_hours', resolution === 'minute' ? MINUTE_MS : HOUR_MS, source, since, until, points) }
  }

  /** Snapshots in the range, from the roll-ups (whole minutes or hours around it: an upper bound). */
  private estimateCount(source: string, since: number, until: number): number {
    const [table, unit] = until - since <= RAW_RETENTION_MS ? ['health_minutes', MINUTE_MS] : ['health_hours', HOUR_MS]
    const row = this.db
      .prepare(`SELECT COALESCE(SUM(count), 0) AS n FROM ${table} WHERE source = ? AND bucket >= ? AND bucket <= ?`)
      .get(source, Math.floor(since / unit) * unit, until) as { n: number }
    return row.n
  }

  private rawHistory(source: string, since: number, until: number, points: number): HealthPoint[] {
    const count = (this.db.prepare('SELECT COUNT(*) AS n FROM health_snapshots WHERE source = ? AND at >= ? AND at <= ?').get(source, since, until) as { n: number }).n
    if (count <= points) {
      const rows = this.db
        .prepare(`SELECT at, ${COLUMNS.join(', ')} FROM health_snapshots WHERE source = ? AND at >= ? AND at <= ? ORDER BY at`)
        .raw()
        .all(source, since, until) as Array<Array<number | null>>
      return rows.map((r) => {
        const values: Record<string, number | null> = {}
        healthMetricNames.forEach((m, i) => (values[m] = r[i + 1]))
        return { at: r[0] as number, count: 1, values }
      })
    }
    const width = Math.ceil((until - since + 1) / points)
    const rows = this.db
      .prepare(
        `SELECT CAST((at - @since) / @width AS INTEGER) AS g, COUNT(*) AS count,
         ${COLUMNS.map((c) => `AVG(${c}), MIN(${c}), MAX(${c})`).join(', ')}
         FROM health_snapshots WHERE source = @source AND at >= @since AND at <= @until GROUP BY g ORDER BY g`,
      )
      .raw()
      .all({ source, since, until, width }) as Array<Array<number | null>>
    return rows.map((r) => {
      const p = emptyPoint(since + (r[0] as number) * width, r[1] as number)
      healthMetricNames.forEach((m, i) => {
        p.values[m] = r[2 + i * 3]
        p.min![m] = r[3 + i * 3]
        p.max![m] = r[4 + i * 3]
      })
      return p
    })
  }

  private rollupHistory(table: string, unit: number, source: string, since: number, until: number, points: number): HealthPoint[] {
    const origin = Math.floor(since / unit) * unit
    const width = Math.max(unit, Math.ceil((until - origin + 1) / points / unit) * unit)
    const rows = this.db
      .prepare(
        `SELECT CAST((bucket - @origin) / @width AS INTEGER) AS g, SUM(count) AS count,
         ${COLUMNS.map((c) => `SUM(${c}_n), SUM(${c}_sum), MIN(${c}_min), MAX(${c}_max)`).join(', ')}
         FROM ${table} WHERE source = @source AND bucket >= @origin AND bucket <= @until GROUP BY g ORDER BY g`,
      )
      .raw()
      .all({ source, origin, until, width }) as Array<Array<number | null>>
    return rows.map((r) => {
      const p = emptyPoint(origin + (r[0] as number) * width, r[1] as number)
      healthMetricNames.forEach((m, i) => {
        const n = r[2 + i * 4] as number
        p.values[m] = n > 0 ? (r[3 + i * 4] as number) / n : null
        p.min![m] = r[4 + i * 4]
        p.max![m] = r[5 + i * 4]
      })
      return p
    })
  }

  /** The source's baseline basin, or null when none was set. */
  baseline(source: string): StoredBaseline | null {
    const row = this.db.prepare('SELECT * FROM health_baselines WHERE source = ?').get(source) as BaselineRow | undefined
    return row ? fromBaselineRow(row) : null
  }

  /** Every baseline (loaded by the monitor at start-up). */
  baselines(): StoredBaseline[] {
    return (this.db.prepare('SELECT * FROM health_baselines ORDER BY source').all() as BaselineRow[]).map(fromBaselineRow)
  }

  /** Sets (replaces) a source's baseline basin. */
  setBaseline(source: string, basin: readonly number[], setAt: number, from: string): StoredBaseline {
    if (!basin.length || basin.some((x) => !Number.isFinite(x))) throw new WardenError('INVALID_INPUT', `A baseline basin must be finite numbers (${source})`)
    this.db
      .prepare(
        `INSERT INTO health_baselines (source, basin, set_at, origin) VALUES (?, ?, ?, ?)
         ON CONFLICT(source) DO UPDATE SET basin = excluded.basin, set_at = excluded.set_at, origin = excluded.origin`,
      )
      .run(source, encodeBasin(basin), Math.round(setAt), from)
    return { source, basin: [...basin], setAt: Math.round(setAt), from }
  }

  clearBaseline(source: string): boolean {
    return this.db.prepare('DELETE FROM health_baselines WHERE source = ?').run(source).changes > 0
  }

  /**
   * Drops raw snapshots older than two days (or the retention, if shorter) and roll-ups older than
   * `retentionDays` before `now`; a source with nothing left is forgotten (its baseline is kept).
   */
  prune(now: number, retentionDays: number): PruneResult {
    if (!(retentionDays > 0)) throw new WardenError('INVALID_INPUT', `retentionDays must be more than 0, not ${retentionDays}`)
    const keepMs = retentionDays * DAY_MS
    const rawCut = Math.floor(now - Math.min(RAW_RETENTION_MS, keepMs))
    const rollCut = Math.floor(now - keepMs)
    return this.db.transaction(() => {
      const result: PruneResult = { snapshots: 0, minutes: 0, hours: 0, sources: 0 }
      const sources = (this.db.prepare('SELECT source FROM health_sources').all() as Array<{ source: string }>).map((r) => r.source)
      // Per source, so each delete walks its index range instead of the whole table.
      const raw = this.db.prepare('DELETE FROM health_snapshots WHERE source = ? AND at < ?')
      const minutes = this.db.prepare('DELETE FROM health_minutes WHERE source = ? AND bucket < ?')
      const hours = this.db.prepare('DELETE FROM health_hours WHERE source = ? AND bucket < ?')
      for (const source of sources) {
        result.snapshots += raw.run(source, rawCut).changes
        // A roll-up bucket goes once all of it is older than the cut.
        result.minutes += minutes.run(source, rollCut - MINUTE_MS + 1).changes
        result.hours += hours.run(source, rollCut - HOUR_MS + 1).changes
      }
      this.db.prepare('UPDATE health_sources SET raw_from = MAX(raw_from, ?)').run(rawCut)
      result.sources = this.db
        .prepare(
          `DELETE FROM health_sources WHERE last_at < ?
           AND NOT EXISTS (SELECT 1 FROM health_hours h WHERE h.source = health_sources.source)
           AND NOT EXISTS (SELECT 1 FROM health_minutes m WHERE m.source = health_sources.source)`,
        )
        .run(rollCut).changes
      return result
    })()
  }
}

function checkedTime(s: StoredSnapshot): number {
  if (!Number.isFinite(s.at) || s.at < 0) throw new WardenError('INVALID_INPUT', `A health snapshot of ${s.source} has no valid time (${s.at})`)
  return Math.round(s.at)
}
