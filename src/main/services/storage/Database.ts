import BetterSqlite3 from 'better-sqlite3'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ensurePrivateFile } from './privateHome'

type Db = BetterSqlite3.Database

/** `PRAGMA auto_vacuum`'s value for INCREMENTAL. */
const AUTO_VACUUM_INCREMENTAL = 2

/** Versioned migrations; each runs once, in order, inside a transaction. Never edit a released one. */
const migrations: Array<(db: Db) => void> = [
  (db) =>
    db.exec(`
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE recent_workspaces (path TEXT PRIMARY KEY, opened_at INTEGER NOT NULL);
      CREATE TABLE module_usage (
        workspace TEXT NOT NULL, module TEXT NOT NULL,
        total_calls INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_used INTEGER,
        PRIMARY KEY (workspace, module)
      );
      CREATE TABLE hibernations (
        archive_path TEXT PRIMARY KEY,
        workspace TEXT NOT NULL, module TEXT NOT NULL, hibernated_at INTEGER NOT NULL,
        location TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
        woken_at INTEGER, metadata TEXT NOT NULL, indexed_at INTEGER NOT NULL
      );
      CREATE INDEX hibernations_by_module ON hibernations (module, hibernated_at);
      CREATE TABLE checksum_cache (
        path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ms REAL NOT NULL, sha256 TEXT NOT NULL
      );
    `),
  (db) =>
    db.exec(`
      CREATE TABLE models (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, uri TEXT, path TEXT NOT NULL,
        size INTEGER NOT NULL, sha256 TEXT, added_at INTEGER NOT NULL
      );
      CREATE TABLE model_facts (
        path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ms REAL NOT NULL, shape TEXT NOT NULL
      );
      CREATE TABLE personas (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, model TEXT NOT NULL,
        system_prompt TEXT NOT NULL, settings TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
      );
      CREATE TABLE persona_messages (
        persona_id TEXT NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (persona_id, seq)
      );
    `),
  // API keys of the OpenAI-compatible endpoint: only their SHA-256 is kept, never the key.
  (db) =>
    db.exec(`
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, prefix TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, last_used_at INTEGER
      );
    `),
  // When each downloaded model file was last used (loaded, or generated with), for maxModelCacheSize.
  (db) => db.exec(`CREATE TABLE model_usage (path TEXT PRIMARY KEY, last_used_at INTEGER NOT NULL);`),
  // Health history (services/health/HealthStore.ts): raw snapshots for two days, minute and hour
  // roll-ups (count, and per metric: values, sum, min, max) for the retention, baselines per source.
  (db) => {
    const metrics = ['phi', 'kappa', 'drift', 'confidence', 'surprise', 'agency', 'latency_ms', 'ttft_ms', 'tokens_per_second', 'error_rate', 'queue_wait_ms', 'memory_bytes', 'restarts']
    const rollup = (table: string) => `CREATE TABLE ${table} (
        source TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
        ${metrics.map((m) => `${m}_n INTEGER NOT NULL, ${m}_sum REAL NOT NULL, ${m}_min REAL, ${m}_max REAL`).join(',\n        ')},
        PRIMARY KEY (source, bucket)
      ) WITHOUT ROWID;`
    db.exec(`
      CREATE TABLE health_sources (source TEXT PRIMARY KEY, kind TEXT NOT NULL, last_at INTEGER NOT NULL, raw_from INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE health_snapshots (
        source TEXT NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL, status TEXT NOT NULL,
        ${metrics.map((m) => `${m} REAL`).join(', ')},
        basin BLOB
      );
      CREATE INDEX health_snapshots_by_source ON health_snapshots (source, at);
      ${rollup('health_minutes')}
      ${rollup('health_hours')}
      CREATE TABLE health_baselines (source TEXT PRIMARY KEY, basin BLOB NOT NULL, set_at INTEGER NOT NULL, origin TEXT NOT NULL);
    `)
  },
  // The adapters folder's index (services/adapters/AdapterIndex.ts): a row per adapter, their usage,
  // and a generation number bumped by each change (other processes watch it). IF NOT EXISTS: safe
  // wherever this lands among migrations merged from elsewhere.
  (db) =>
    db.exec(`
      CREATE TABLE IF NOT EXISTS adapters (
        name TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
        base_model TEXT, description TEXT NOT NULL, tags TEXT NOT NULL, added_at INTEGER NOT NULL, facts TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS adapter_usage (name TEXT PRIMARY KEY, generations INTEGER NOT NULL, last_used_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS adapter_index_state (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL);
    `),
  // Self-healing (services/healing/PatchStore.ts): patches (change and fitness as JSON), each person's
  // or the loop's decision, each measured outcome, and the auto-apply choice (one row, gated).
  (db) =>
    db.exec(`
      CREATE TABLE healing_patches (
        id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, source TEXT NOT NULL, strategy TEXT NOT NULL,
        title TEXT NOT NULL, rationale TEXT NOT NULL, change TEXT NOT NULL, change_key TEXT NOT NULL, diff TEXT NOT NULL,
        status TEXT NOT NULL, fitness TEXT, sandbox_log TEXT NOT NULL, evaluated_at INTEGER, decided_at INTEGER,
        decided_by TEXT, applied_at INTEGER, rolled_back_at INTEGER, outcome TEXT, error TEXT, undo TEXT
      );
      CREATE INDEX healing_patches_by_created ON healing_patches (created_at);
      CREATE INDEX healing_patches_by_change ON healing_patches (change_key, status);
      CREATE TABLE healing_reviews (patch_id TEXT NOT NULL, at INTEGER NOT NULL, decided_by TEXT NOT NULL, decision TEXT NOT NULL, reason TEXT);
      CREATE INDEX healing_reviews_by_patch ON healing_reviews (patch_id);
      CREATE TABLE healing_outcomes (patch_id TEXT PRIMARY KEY, at INTEGER NOT NULL, outcome TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL);
      CREATE TABLE healing_auto_apply (id INTEGER PRIMARY KEY CHECK (id = 1), enabled INTEGER NOT NULL, kinds TEXT NOT NULL, changed_at INTEGER NOT NULL);
    `),
  // The supervisor's decisions (services/healing/SupervisorStore.ts), each with its reasons (JSON),
  // what prompted it, the hibernated version a review looked at, and a persona's assessment.
  // IF NOT EXISTS: safe wherever this lands among migrations merged from elsewhere.
  (db) =>
    db.exec(`
      CREATE TABLE IF NOT EXISTS supervisor_decisions (
        id INTEGER PRIMARY KEY, workspace TEXT NOT NULL, at INTEGER NOT NULL, module TEXT NOT NULL,
        action TEXT NOT NULL, trigger TEXT NOT NULL, reasons TEXT NOT NULL, patch_id TEXT, assessment TEXT,
        error TEXT, version_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS supervisor_decisions_by_module ON supervisor_decisions (workspace, module, at);
    `),
]

function retryWhileBusy(fn: () => void, timeoutMs = 10_000): void {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return fn()
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 + Math.random() * 40)
    }
  }
}

/** The SQLite index (WAL). Files on disk are the truth; everything here can be rebuilt by `warden doctor`. */
export class WardenDatabase {
  readonly db: Db

  /**
   * @param nativeBinding better-sqlite3's compiled addon to use instead of the one in node_modules
   *   (the Electron app in development needs one built for Electron). Defaults to node_modules'.
   */
  constructor(file: string, nativeBinding?: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
    // Chat history lives here: user-only. SQLite gives its -wal and -shm files the database's mode.
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (f === file || fs.existsSync(f)) ensurePrivateFile(f)
    this.db = new BetterSqlite3(file, nativeBinding ? { nativeBinding } : {})
    // Wait for other processes (app, server, CLI) rather than fail; set before anything that locks.
    this.db.pragma('busy_timeout = 10000')
    // Switching to WAL and migrating can meet SQLITE_BUSY at once (SQLite skips the busy handler
    // where waiting could deadlock), when several processes open a new database together: retry.
    retryWhileBusy(() => {
      this.db.pragma('journal_mode = WAL')
      this.migrate()
    })
    this.db.pragma('synchronous = NORMAL')
    // Deleted rows (a cleared conversation) are overwritten, not left readable in free space.
    this.db.pragma('secure_delete = FAST')
    // Space freed by deleted rows (a cleared conversation) goes back to the file system when asked
    // (`reclaimSpace`); a database made before this was set is rewritten once, which is quick for an index.
    if (this.db.pragma('auto_vacuum', { simple: true }) !== AUTO_VACUUM_INCREMENTAL) {
      retryWhileBusy(() => {
        this.db.pragma('auto_vacuum = INCREMENTAL')
        this.db.exec('VACUUM')
      })
    }
  }

  /**
   * Give the pages of deleted rows back to the file system, and empty the write-ahead log, which
   * still holds the deleted text. Does not wait for readers in other processes: what they hold
   * back is freed by a later call, or when SQLite checkpoints on its own.
   */
  reclaimSpace(): void {
    this.db.pragma('incremental_vacuum')
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number
    this.db.pragma('busy_timeout = 0')
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)')
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`)
    }
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number
  }

  /**
   * Several processes may open a new database at once (the app and a CLI on first run): the version
   * is read again inside an IMMEDIATE transaction, so only one of them migrates.
   */
  private migrate(): void {
    const check = (current: number) => {
      if (current > migrations.length) {
        throw new Error(`The database at ${this.db.name} was written by a newer Warden (schema ${current}, this one knows ${migrations.length}). Update Warden.`)
      }
    }
    check(this.schemaVersion)
    if (this.schemaVersion === migrations.length) return
    this.db
      .transaction(() => {
        const current = this.schemaVersion
        check(current)
        for (let version = current; version < migrations.length; version++) {
          migrations[version](this.db)
          this.db.pragma(`user_version = ${version + 1}`)
        }
      })
      .immediate()
  }

  getSetting<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined
    return row ? (JSON.parse(row.value) as T) : undefined
  }

  setSetting(key: string, value: unknown): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value))
  }

  dispose(): void {
    if (this.db.open) this.db.close()
  }

  [Symbol.dispose](): void {
    this.dispose()
  }
}
