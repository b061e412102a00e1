import { existsSync } from 'node:fs'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import type { z } from 'zod'
import { HibernationMetadata, type HibernatedVersion } from '../../../shared/contract/schemas'
import { describeIssues } from '../../../shared/contract/validate'
import { sha256File, TEMP_MARKER } from '../fs/atomic'
import type { WardenDatabase } from '../storage/Database'
import { parseVersionFile, versionFiles } from './names'
import { logger } from '../logging/processLog'

const log = logger('hibernation')

const DAY = 24 * 60 * 60 * 1000

export interface StoredVersion {
  name: string
  at: number
  dir: string
  location: 'hibernation' | 'archive'
  archivePath: string
  metadataPath: string
  wokenPath: string
  metadata: HibernationMetadata | null
  /** Why the metadata could not be used, if it could not. */
  metadataProblem: string | null
  archiveSize: number | null
  archiveMtimeMs: number | null
  wokenAt: number | null
}

/** Reads hibernated versions from a folder of `<name>.<ms>.tgz` / `.metadata.json` / `.woken.json` files. */
export class HibernationStore {
  constructor(private readonly database: WardenDatabase) {}

  async read(dir: string, location: StoredVersion['location']): Promise<{ versions: StoredVersion[]; orphans: string[] }> {
    let files: string[]
    try {
      files = await fsp.readdir(dir)
    } catch (error) {
      // Nothing hibernated (or archived) yet; a folder that cannot be read hides its versions.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`Cannot list ${dir}`, { err: error })
      return { versions: [], orphans: [] }
    }
    const byBase = new Map<string, { name: string; at: number; parts: Set<string> }>()
    for (const file of files) {
      if (file.startsWith(TEMP_MARKER)) continue
      const parsed = parseVersionFile(file)
      if (!parsed) continue
      const key = `${parsed.name}\0${parsed.at}`
      const entry = byBase.get(key) ?? { name: parsed.name, at: parsed.at, parts: new Set<string>() }
      entry.parts.add(parsed.part)
      byBase.set(key, entry)
    }
    const orphans: string[] = []
    const versions = await Promise.all(
      [...byBase.values()].map(async ({ name, at, parts }) => {
        const f = versionFiles(dir, name, at)
        if (!parts.has('metadata.json')) {
          if (parts.has('tgz')) orphans.push(f.archive)
          return null
        }
        return this.readVersion(dir, location, name, at, parts.has('tgz'), parts.has('woken.json'))
      }),
    )
    return { versions: versions.filter((v): v is StoredVersion => v !== null).sort((a, b) => b.at - a.at), orphans }
  }

  private async readVersion(dir: string, location: StoredVersion['location'], name: string, at: number, hasArchive: boolean, hasWoken: boolean): Promise<StoredVersion> {
    const f = versionFiles(dir, name, at)
    let metadata: HibernationMetadata | null = null
    let metadataProblem: string | null = null
    try {
      const parsed = HibernationMetadata.safeParse(JSON.parse(await fsp.readFile(f.metadata, 'utf8')))
      if (parsed.success) metadata = parsed.data
      else metadataProblem = `metadata does not match the format: ${describeIssues(parsed.error as z.ZodError)}`
    } catch (error) {
      metadataProblem = `metadata cannot be read: ${(error as Error).message}`
    }
    let archiveSize: number | null = null
    let archiveMtimeMs: number | null = null
    if (hasArchive) {
      const st = await fsp.stat(f.archive)
      archiveSize = st.size
      archiveMtimeMs = st.mtimeMs
    }
    let wokenAt: number | null = null
    if (hasWoken) {
      try {
        wokenAt = (JSON.parse(await fsp.readFile(f.woken, 'utf8')) as { wokenAt: number }).wokenAt ?? null
      } catch (error) {
        log.warn(`Cannot read ${f.woken}; the version counts as woken when it was hibernated`, { err: error })
        wokenAt = at
      }
    }
    return { name: metadata?.module ?? name, at, dir, location, archivePath: f.archive, metadataPath: f.metadata, wokenPath: f.woken, metadata, metadataProblem, archiveSize, archiveMtimeMs, wokenAt }
  }

  /**
   * The archive's sha256, computed once per (path, size, mtime) and cached in the index, so listings
   * can say "restorable" without re-reading every archive each time.
   */
  async checksumOf(v: StoredVersion): Promise<string | null> {
    if (v.archiveSize === null || v.archiveMtimeMs === null) return null
    const db = this.database.db
    const row = db.prepare('SELECT size, mtime_ms, sha256 FROM checksum_cache WHERE path = ?').get(v.archivePath) as
      | { size: number; mtime_ms: number; sha256: string }
      | undefined
    if (row && row.size === v.archiveSize && row.mtime_ms === v.archiveMtimeMs) return row.sha256
    const sha = await sha256File(v.archivePath)
    db.prepare('INSERT OR REPLACE INTO checksum_cache (path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?)').run(v.archivePath, v.archiveSize, v.archiveMtimeMs, sha)
    return sha
  }

  /** Whether the version can be woken, and if not, why. */
  async problemOf(v: StoredVersion, options: { fresh?: boolean } = {}): Promise<string | null> {
    if (!v.metadata) return v.metadataProblem ?? 'metadata missing'
    if (v.archiveSize === null) return 'archive file is missing'
    let sha: string | null
    try {
      sha = options.fresh ? await sha256File(v.archivePath) : await this.checksumOf(v)
    } catch (error) {
      return `archive cannot be read: ${(error as Error).message}`
    }
    if (sha !== v.metadata.checksums.sha256) return `checksum mismatch: archive is ${sha?.slice(0, 12)}…, metadata says ${v.metadata.checksums.sha256.slice(0, 12)}…`
    return null
  }

  /** A stored version for a person; `archiveAfterDays` 0 means never archived automatically (`archivesInDays` null). */
  async describe(v: StoredVersion, archiveAfterDays: number, now = Date.now()): Promise<HibernatedVersion> {
    const m = v.metadata
    const problem = await this.problemOf(v)
    const archivesInDays = v.location === 'archive' || archiveAfterDays <= 0 ? null : Math.max(0, Math.ceil((v.at + archiveAfterDays * DAY - now) / DAY))
    return {
      name: v.name,
      kind: m?.kind ?? '?',
      type: m?.type ?? '?',
      version: m?.version ?? null,
      hibernatedAt: v.at,
      reason: m?.reason ?? '?',
      error: m?.error,
      hibernatedBy: m?.hibernatedBy ?? '?',
      size: v.archiveSize ?? 0,
      fileCount: m?.fileCount ?? 0,
      unpackedSize: m?.unpackedSize ?? 0,
      usage: m?.usage ?? { lastUsed: null, totalCalls: 0, avgCallsPerDay: 0 },
      dependencies: m?.dependencies ?? [],
      dependents: m?.dependents ?? [],
      location: v.location,
      archivePath: v.archivePath,
      metadataPath: v.metadataPath,
      sha256: m?.checksums.sha256 ?? '',
      restorable: problem === null,
      problem,
      wokenAt: v.wokenAt,
      group: m?.group ?? null,
      archivesInDays,
      lastWorkingVersion: m?.lastWorkingVersion ?? null,
    }
  }

  /** Keep the index in step with the files (the files win). */
  index(versions: StoredVersion[], workspace: string): void {
    const db = this.database.db
    const upsert = db.prepare(
      `INSERT OR REPLACE INTO hibernations (archive_path, workspace, module, hibernated_at, location, size, sha256, woken_at, metadata, indexed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    db.transaction(() => {
      for (const v of versions) {
        if (!v.metadata) continue
        upsert.run(v.archivePath, v.metadata.workspace ?? workspace, v.name, v.at, v.location, v.archiveSize ?? 0, v.metadata.checksums.sha256, v.wokenAt, JSON.stringify(v.metadata), Date.now())
      }
    })()
  }

  /** Archive paths the index holds for this folder and workspace. */
  indexedIn(dir: string, workspace: string): string[] {
    const rows = this.database.db.prepare('SELECT archive_path FROM hibernations WHERE workspace = ?').all(workspace) as Array<{ archive_path: string }>
    return rows.map((r) => r.archive_path).filter((p) => path.dirname(p) === dir)
  }

  /** Drop index rows whose files are gone; returns how many. */
  pruneIndex(): number {
    const db = this.database.db
    const rows = db.prepare('SELECT archive_path FROM hibernations').all() as Array<{ archive_path: string }>
    let removed = 0
    const del = db.prepare('DELETE FROM hibernations WHERE archive_path = ?')
    for (const r of rows) {
      if (!versionStillOnDisk(r.archive_path)) {
        del.run(r.archive_path)
        removed++
      }
    }
    return removed
  }
}

function versionStillOnDisk(archivePath: string): boolean {
  return existsSync(archivePath) && existsSync(archivePath.replace(/\.tgz$/, '.metadata.json'))
}
