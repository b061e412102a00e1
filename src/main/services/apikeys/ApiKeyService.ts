import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { ApiKeyInfo } from '../../../shared/contract/apiKeys'
import { WardenError } from '../../../shared/errors'
import type { WardenDatabase } from '../storage/Database'

/** Every key starts with this, so that it is recognisable (and secret scanners can find a leaked one). */
const KEY_PREFIX = 'wdn_'
/** Characters of a key shown in lists: the prefix and 8 more. */
const SHOWN_CHARS = KEY_PREFIX.length + 8
/** A key's last use is written at most this often (every request would be a write). */
const LAST_USED_RESOLUTION_MS = 60_000

interface Row {
  id: string
  name: string
  prefix: string
  created_at: number
  last_used_at: number | null
}

const sha256 = (key: string) => createHash('sha256').update(key).digest('hex')
const toInfo = (r: Row): ApiKeyInfo => ({ id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at })

/**
 * API keys for the OpenAI-compatible endpoint, so that a tool can be given one that reaches `/v1`
 * and nothing else (the server's token runs every operation). Only each key's SHA-256 is stored;
 * the key is returned once, when it is made. Every check reads the database, so a key revoked in
 * any process (the app, the server, the CLI) is refused from the next request on.
 */
export class ApiKeyService {
  constructor(
    private readonly database: WardenDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  private get db() {
    return this.database.db
  }

  /** A new key named `name`; the result holds the key itself, which cannot be seen again. */
  create(name: string): ApiKeyInfo & { key: string } {
    const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`
    const row: Row = { id: randomUUID(), name, prefix: key.slice(0, SHOWN_CHARS), created_at: this.now(), last_used_at: null }
    try {
      this.db.prepare('INSERT INTO api_keys (id, name, prefix, sha256, created_at) VALUES (?, ?, ?, ?, ?)').run(row.id, row.name, row.prefix, sha256(key), row.created_at)
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error
      throw new WardenError('CONFLICT', `An API key named ${JSON.stringify(name)} already exists`, {
        hint: `Choose another name, or revoke that key first: warden api-key revoke --name ${JSON.stringify(name)}`,
      })
    }
    return { ...toInfo(row), key }
  }

  list(): ApiKeyInfo[] {
    return (this.db.prepare('SELECT id, name, prefix, created_at, last_used_at FROM api_keys ORDER BY created_at, name').all() as Row[]).map(toInfo)
  }

  /** Revoke the key named `name` (or with this id): refused from now on. */
  revoke(name: string): ApiKeyInfo {
    const row = this.db.prepare('SELECT id, name, prefix, created_at, last_used_at FROM api_keys WHERE name = ? OR id = ?').get(name, name) as Row | undefined
    if (!row) throw new WardenError('NOT_FOUND', `No API key named ${JSON.stringify(name)}`, { hint: 'See the keys with: warden api-key list' })
    this.db.prepare('DELETE FROM api_keys WHERE id = ?').run(row.id)
    return toInfo(row)
  }

  /** Whether `key` is a key made here and not revoked (and notes its use). */
  verify(key: string | null | undefined): boolean {
    if (!key || !key.startsWith(KEY_PREFIX) || key.length > 128) return false
    const row = this.db.prepare('SELECT id, last_used_at FROM api_keys WHERE sha256 = ?').get(sha256(key)) as { id: string; last_used_at: number | null } | undefined
    if (!row) return false
    const now = this.now()
    if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_RESOLUTION_MS) this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now, row.id)
    return true
  }
}
