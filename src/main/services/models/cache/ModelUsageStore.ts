import type { WardenDatabase } from '../../storage/Database'

/**
 * When each model file was last used (loaded for a request, generated with, or installed), by path:
 * the order in which `maxModelCacheSize` removes downloaded models, least recently used first.
 */
export class ModelUsageStore {
  constructor(private readonly database: WardenDatabase) {}

  markUsed(file: string, at: number): void {
    this.database.db
      .prepare('INSERT INTO model_usage (path, last_used_at) VALUES (?, ?) ON CONFLICT(path) DO UPDATE SET last_used_at = MAX(last_used_at, excluded.last_used_at)')
      .run(file, at)
  }

  lastUsed(file: string): number | null {
    const row = this.database.db.prepare('SELECT last_used_at FROM model_usage WHERE path = ?').get(file) as { last_used_at: number } | undefined
    return row?.last_used_at ?? null
  }

  forget(file: string): void {
    this.database.db.prepare('DELETE FROM model_usage WHERE path = ?').run(file)
  }
}
