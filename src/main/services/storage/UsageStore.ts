import type { WardenDatabase } from './Database'

export interface UsageStats {
  lastUsed: number | null
  totalCalls: number
  avgCallsPerDay: number
}

const DAY = 24 * 60 * 60 * 1000

/** Call counts of modules, as reported by the running system through `module.recordUsage`. */
export class UsageStore {
  constructor(private readonly database: WardenDatabase) {}

  record(workspace: string, module: string, calls: number, at: number): UsageStats {
    this.database.db
      .prepare(
        `INSERT INTO module_usage (workspace, module, total_calls, first_seen, last_used) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(workspace, module) DO UPDATE SET total_calls = total_calls + excluded.total_calls,
           first_seen = MIN(first_seen, excluded.first_seen), last_used = MAX(COALESCE(last_used, 0), excluded.last_used)`,
      )
      .run(workspace, module, calls, at, at)
    return this.get(workspace, module)
  }

  get(workspace: string, module: string, now = Date.now()): UsageStats {
    const row = this.database.db
      .prepare('SELECT total_calls, first_seen, last_used FROM module_usage WHERE workspace = ? AND module = ?')
      .get(workspace, module) as { total_calls: number; first_seen: number; last_used: number | null } | undefined
    if (!row) return { lastUsed: null, totalCalls: 0, avgCallsPerDay: 0 }
    const days = Math.max(1, (now - row.first_seen) / DAY)
    return { lastUsed: row.last_used, totalCalls: row.total_calls, avgCallsPerDay: Math.round((row.total_calls / days) * 10) / 10 }
  }

  /** Usage survives hibernation: waking a module carries its counts on (from the metadata). */
  restore(workspace: string, module: string, stats: UsageStats, now = Date.now()): void {
    if (stats.totalCalls <= 0) return
    const days = stats.avgCallsPerDay > 0 ? stats.totalCalls / stats.avgCallsPerDay : 1
    const firstSeen = Math.round(now - days * DAY)
    this.database.db
      .prepare(
        `INSERT INTO module_usage (workspace, module, total_calls, first_seen, last_used) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(workspace, module) DO NOTHING`,
      )
      .run(workspace, module, stats.totalCalls, firstSeen, stats.lastUsed)
  }
}
