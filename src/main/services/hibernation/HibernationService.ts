import * as path from 'node:path'
import type { ActiveModule, HibernatedVersion } from '../../../shared/contract/schemas'
import { WardenError } from '../../../shared/errors'
import { atomicWriteFile } from '../fs/atomic'
import type { WardenDatabase } from '../storage/Database'
import type { UsageStore } from '../storage/UsageStore'
import type { Workspace } from '../workspace/Workspace'
import { archiveOld, type ArchiveOutcome } from './archiveOld'
import { createContext, type HibernationContext, type ProgressFn } from './context'
import { compareFiles, describeVersion, filesOfArchive, filesOfFolder, pickVersion } from './diff'
import { hibernate, tempPath, type HibernateOutcome, type HibernateRequest } from './hibernate'
import type { StoredVersion } from './HibernationStore'
import { npmPack, type NpmPackOutcome } from './npmPack'
import { verifyAll, type VerifyReport } from './verify'
import { wake, type WakeOutcome, type WakeRequest } from './wake'
import * as fsp from 'node:fs/promises'

export interface HibernationServiceOptions {
  workspace: Workspace
  database: WardenDatabase
  usage: UsageStore
  archiveDir: string
  now?: () => number
  gzipLevel?: number
  lockWaitMs?: number
  /** Days after which hibernations are archived automatically (the setting); 0 = never. Defaults to 30. */
  archiveAfterDays?: () => number
}

const noProgress: ProgressFn = () => undefined
const DAY = 24 * 60 * 60 * 1000

/** Module hibernation for one workspace: the seed's hibernate / wake / archive, made trustworthy. */
export class HibernationService {
  private readonly ctx: HibernationContext
  private readonly listeners = new Set<() => void>()
  private readonly archiveAfterDays: () => number

  constructor(options: HibernationServiceOptions) {
    this.ctx = createContext(options)
    this.archiveAfterDays = options.archiveAfterDays ?? (() => 30)
  }

  get workspace(): Workspace {
    return this.ctx.workspace
  }

  /** Fired after every change this service makes. */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private changed(): void {
    for (const l of this.listeners) l()
  }

  /** `archiveAfterDays` changed: every "archives in N days" moved, so listeners refetch. */
  policyChanged(): void {
    this.changed()
  }

  /** Whether any stored hibernation is older than `days` (read without the lock: a cheap first look). */
  async hasOlderThan(days: number): Promise<boolean> {
    const { versions } = await this.ctx.store.read(this.ctx.workspace.hibernationDir, 'hibernation')
    const cutoff = this.ctx.now() - days * DAY
    return versions.some((v) => v.at < cutoff && v.metadata && v.archiveSize !== null)
  }

  async list(): Promise<Array<{ kind: string; modules: ActiveModule[] }>> {
    const scan = await this.ctx.workspace.scan()
    return this.ctx.workspace.kinds.map((kind) => ({
      kind,
      modules: [...scan.modules.values()]
        .filter((m) => m.kind === kind)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((m) => ({
          name: m.name,
          kind: m.kind,
          type: m.type,
          version: m.version,
          description: m.description,
          path: m.relPath,
          size: m.size,
          fileCount: m.fileCount,
          dependencies: m.dependencies,
          dependents: m.dependents,
          usage: this.ctx.usage.get(this.ctx.workspace.root, m.name),
        })),
    }))
  }

  async hibernate(req: HibernateRequest, progress: ProgressFn = noProgress): Promise<HibernateOutcome> {
    const out = await hibernate(this.ctx, req, progress)
    this.changed()
    return out
  }

  async wake(req: WakeRequest, progress: ProgressFn = noProgress): Promise<WakeOutcome> {
    const out = await wake(this.ctx, req, progress)
    this.changed()
    return out
  }

  /** Wake from bytes a client sent (a file dropped on the window). */
  async wakeUpload(fileName: string, data: Buffer, kind: string | undefined, progress: ProgressFn = noProgress): Promise<WakeOutcome> {
    if (!fileName.endsWith('.tgz') && !fileName.endsWith('.tar.gz')) {
      throw new WardenError('INVALID_INPUT', `${fileName} is not a .tgz package`, { hint: 'Drop a .tgz made by npm pack or by Warden.' })
    }
    await fsp.mkdir(this.ctx.workspace.tmpDir, { recursive: true })
    // The temp name must end in `.<pid>.<hex>` (tempPath), or recovery would take it for a leftover.
    const file = tempPath(this.ctx.workspace.tmpDir, `upload-${path.basename(fileName).replace(/[^\w.@+-]/g, '_')}`)
    await atomicWriteFile(file, data)
    try {
      return await this.wake({ from: file, fromArchive: false, kind }, progress)
    } finally {
      await fsp.rm(file, { force: true })
    }
  }

  /**
   * The newest version of each hibernated module. A module that is active again (woken from a file,
   * or re-created) is not hibernated, so its versions show only with `includeWoken` (and in `versions`).
   * "Archives in N days" follows `archiveAfterDays` (the setting unless given).
   */
  async listHibernated(archiveAfterDays: number | undefined, includeWoken: boolean): Promise<HibernatedVersion[]> {
    const days = archiveAfterDays ?? this.archiveAfterDays()
    const [{ versions }, scan] = await Promise.all([
      this.ctx.store.read(this.ctx.workspace.hibernationDir, 'hibernation'),
      this.ctx.workspace.scan({ sizes: false }),
    ])
    this.ctx.store.index(versions, this.ctx.workspace.root)
    const newest = new Map<string, StoredVersion>()
    for (const v of versions) {
      if (!includeWoken && (v.wokenAt !== null || scan.modules.has(v.name))) continue
      if (!newest.has(v.name)) newest.set(v.name, v)
    }
    return Promise.all([...newest.values()].map((v) => this.ctx.store.describe(v, days, this.ctx.now())))
  }

  async listArchived(): Promise<{ modules: HibernatedVersion[]; totalSize: number }> {
    const { versions } = await this.ctx.store.read(this.ctx.archiveDir, 'archive')
    const modules = await Promise.all(versions.map((v) => this.ctx.store.describe(v, 0, this.ctx.now())))
    return { modules, totalSize: modules.reduce((s, m) => s + m.size, 0) }
  }

  private async allVersions(name: string): Promise<StoredVersion[]> {
    const [h, a] = await Promise.all([
      this.ctx.store.read(this.ctx.workspace.hibernationDir, 'hibernation'),
      this.ctx.store.read(this.ctx.archiveDir, 'archive'),
    ])
    return [...h.versions, ...a.versions].filter((v) => v.name === name).sort((x, y) => y.at - x.at)
  }

  async versions(name: string): Promise<{ name: string; active: ActiveModule | null; versions: HibernatedVersion[] }> {
    const [kinds, versions] = await Promise.all([this.list(), this.allVersions(name)])
    const active = kinds.flatMap((k) => k.modules).find((m) => m.name === name) ?? null
    const days = this.archiveAfterDays()
    return { name, active, versions: await Promise.all(versions.map((v) => this.ctx.store.describe(v, days, this.ctx.now()))) }
  }

  async archive(olderThanDays: number, progress: ProgressFn = noProgress): Promise<ArchiveOutcome> {
    const out = await archiveOld(this.ctx, olderThanDays, progress)
    if (out.archived.length) this.changed()
    return out
  }

  /** Compare two versions, or a version with the active module (default: newest version vs active). */
  async diff(name: string, at: number[]): Promise<{ name: string; from: string; to: string; changes: Awaited<ReturnType<typeof compareFiles>>['changes']; unchanged: number }> {
    const versions = await this.allVersions(name)
    const scan = await this.ctx.workspace.scan({ sizes: false })
    const active = scan.modules.get(name)
    let from: { label: string; files: Map<string, Buffer> }
    let to: { label: string; files: Map<string, Buffer> }
    const ofVersion = async (v: StoredVersion) => ({ label: describeVersion(v), files: await filesOfArchive(v.archivePath) })
    const ofActive = async () => ({ label: `${name} (active, ${active!.relPath})`, files: await filesOfFolder(active!.absPath) })
    if (at.length === 2) {
      from = await ofVersion(pickVersion(versions, name, at[0]))
      to = await ofVersion(pickVersion(versions, name, at[1]))
    } else if (at.length === 1) {
      from = await ofVersion(pickVersion(versions, name, at[0]))
      if (active) to = await ofActive()
      else {
        const newest = versions.find((v) => v.at !== at[0] && v.archiveSize !== null)
        if (!newest) throw new WardenError('NOT_FOUND', `${name} is not active and has no other version to compare with`)
        to = await ofVersion(newest)
      }
    } else {
      const stored = versions.filter((v) => v.archiveSize !== null)
      if (active && stored.length >= 1) {
        from = await ofVersion(stored[0])
        to = await ofActive()
      } else if (stored.length >= 2) {
        from = await ofVersion(stored[1])
        to = await ofVersion(stored[0])
      } else {
        throw new WardenError('NOT_FOUND', `${name} has ${stored.length} stored version(s)${active ? '' : ' and is not active'}: nothing to compare`, {
          hint: 'A diff needs two versions, or one version and the active module.',
        })
      }
    }
    const { changes, unchanged } = await compareFiles(from.files, to.files, { from: from.label, to: to.label })
    return { name, from: from.label, to: to.label, changes, unchanged }
  }

  verify(repair: boolean): Promise<VerifyReport> {
    return verifyAll(this.ctx, repair)
  }

  async pack(name: string, outDir: string): Promise<NpmPackOutcome> {
    const scan = await this.ctx.workspace.scan({ sizes: false })
    const m = scan.modules.get(name)
    if (!m) throw new WardenError('NOT_FOUND', `No active module named ${name}`, { hint: 'Only active modules can be packed; wake it first.' })
    return npmPack(m, outDir)
  }

  async recordUsage(name: string, calls: number, at: number): Promise<{ name: string; totalCalls: number; lastUsed: number | null; avgCallsPerDay: number }> {
    const scan = await this.ctx.workspace.scan({ sizes: false })
    if (!scan.modules.has(name)) throw new WardenError('NOT_FOUND', `No active module named ${name}; usage is counted for active modules`)
    const stats = this.ctx.usage.record(this.ctx.workspace.root, name, calls, at)
    this.changed()
    return { name, ...stats }
  }

  /** Rebuild the index from the files on disk. */
  async rebuildIndex(): Promise<{ indexed: number; removedStale: number; problems: VerifyReport['problems'] }> {
    this.ctx.database.db.prepare('DELETE FROM hibernations WHERE workspace = ?').run(this.ctx.workspace.root)
    const removedStale = this.ctx.store.pruneIndex()
    const report = await verifyAll(this.ctx, false)
    const indexed = (this.ctx.database.db.prepare('SELECT COUNT(*) AS n FROM hibernations WHERE workspace = ?').get(this.ctx.workspace.root) as { n: number }).n
    return { indexed, removedStale, problems: report.problems }
  }
}

export type { ArchiveOutcome, HibernateOutcome, NpmPackOutcome, VerifyReport, WakeOutcome }
