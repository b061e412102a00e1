import type { HealthSummary } from '../../../shared/contract/domains/health'
import type { WardenDatabase } from '../storage/Database'

/** The monitor is stable when its newest snapshot is at most this old and nothing is critical. */
const STABLE_WITHIN_MS = 15 * 60_000

/** Snapshots stored: the hourly roll-ups count every one within the retention (raw ones go after two days). */
export function snapshotCount(database: WardenDatabase): number {
  return (database.db.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM health_hours').get() as { n: number }).n
}

/** Distinct hours with snapshots (any source) within the retention: gate 1's spread over time. */
export function snapshotHours(database: WardenDatabase): number {
  return (database.db.prepare('SELECT COUNT(DISTINCT bucket) AS n FROM health_hours').get() as { n: number }).n
}

/** Phase gate 1's "stable monitor": snapshots arriving (the newest within 15 minutes) and no source critical. */
export function monitorStability(summaryOf: () => HealthSummary, now: number): { stable: boolean; note: string } {
  let summary: HealthSummary
  try {
    summary = summaryOf()
  } catch {
    return { stable: false, note: 'the monitor is not running' }
  }
  const newest = Math.max(0, ...summary.sources.map((s) => s.latest?.at ?? 0))
  if (!newest) return { stable: false, note: 'no snapshots yet' }
  const age = now - newest
  const critical = summary.sources.filter((s) => s.status === 'critical').map((s) => s.source)
  if (age > STABLE_WITHIN_MS) return { stable: false, note: `the newest snapshot is ${Math.round(age / 60_000)} min old` }
  if (critical.length) return { stable: false, note: `critical: ${critical.join(', ')}` }
  const n = summary.sources.length
  return { stable: true, note: `${n} source${n === 1 ? '' : 's'}, status ${summary.status}, newest snapshot ${Math.round(age / 1000)} s ago` }
}
