import * as fs from 'node:fs'
import type { WorkspaceInfo } from '../../../shared/contract/schemas'
import { WardenError } from '../../../shared/errors'
import { Emitter } from '../events/Emitter'
import { AutoArchiver } from '../hibernation/AutoArchiver'
import { HibernationService } from '../hibernation/HibernationService'
import type { SettingsStore } from '../settings/SettingsStore'
import type { WardenDatabase } from '../storage/Database'
import type { UsageStore } from '../storage/UsageStore'
import { Workspace } from './Workspace'
import { WorkspaceWatcher } from './WorkspaceWatcher'
import { logger } from '../logging/processLog'

const log = logger('workspace')

export interface WorkspaceServiceOptions {
  database: WardenDatabase
  usage: UsageStore
  /** The long-term archive ($WARDEN_HOME/module-archive). */
  archiveDir: string
  /** Watch the open workspace for changes other processes make. */
  watch: boolean
  /** Remember each workspace opened (the one to reopen next time, the recent list): the app and server do, one CLI command does not. */
  remember: boolean
  /** Where `archiveAfterDays` is read. */
  settings: SettingsStore
  /** Archive old hibernations on its own while this process runs (the app and server; not one CLI command). */
  autoArchive: boolean
  /** gzip level of hibernation archives. Defaults to the hibernation service's. */
  gzipLevel?: number
  /** The clock (tests move it forward to age hibernations). Defaults to `Date.now`. */
  now?: () => number
}

export interface ModulesChange {
  workspace: string
  /** By an operation of this process, or seen on disk (another process). */
  source: 'operation' | 'disk'
}

/** The workspace open in this process: its hibernation service, its watcher, and the recent ones. */
export class WorkspaceService {
  private hibernation: HibernationService | null = null
  private watcher: WorkspaceWatcher | null = null
  private autoArchiver: AutoArchiver | null = null
  private stopListening: (() => void) | null = null
  private readonly didChangeModules = new Emitter<ModulesChange>()
  private readonly didOpen = new Emitter<{ path: string }>()
  private readonly didAlert = new Emitter<{ level: 'warning'; title: string; message: string }>()
  /** The open workspace's modules changed. */
  readonly onDidChangeModules = this.didChangeModules.event
  /** A workspace was opened. */
  readonly onDidOpen = this.didOpen.event
  /** Automatic archiving failed for a reason a person can act on. */
  readonly onDidAlert = this.didAlert.event

  constructor(private readonly options: WorkspaceServiceOptions) {}

  async open(folder: string): Promise<WorkspaceInfo> {
    const ws = await Workspace.open(folder)
    this.closeCurrent()
    const hibernation = new HibernationService({
      workspace: ws,
      database: this.options.database,
      usage: this.options.usage,
      archiveDir: this.options.archiveDir,
      gzipLevel: this.options.gzipLevel,
      now: this.options.now,
      archiveAfterDays: () => this.options.settings.get().archiveAfterDays,
    })
    this.hibernation = hibernation
    this.stopListening = hibernation.onDidChange(() => this.didChangeModules.fire({ workspace: ws.root, source: 'operation' }))
    if (this.options.watch) this.watcher = new WorkspaceWatcher(ws, () => this.didChangeModules.fire({ workspace: ws.root, source: 'disk' }))
    if (this.options.autoArchive) this.autoArchiver = new AutoArchiver({ hibernation, settings: this.options.settings, onAlert: (a) => this.didAlert.fire(a) })
    if (this.options.remember) {
      this.options.database.setSetting('lastWorkspace', ws.root)
      this.options.database.db.prepare('INSERT OR REPLACE INTO recent_workspaces (path, opened_at) VALUES (?, ?)').run(ws.root, Date.now())
    }
    this.didOpen.fire({ path: ws.root })
    return this.describe(ws)
  }

  /** Reopen the workspace used last, if it still exists. */
  async restoreLast(): Promise<void> {
    const last = this.options.database.getSetting<string>('lastWorkspace')
    if (last && fs.existsSync(last)) await this.open(last).catch((error: unknown) => log.warn(`Could not reopen the last workspace ${last}`, { err: error }))
  }

  /** The open workspace's hibernation; NO_WORKSPACE when none is open. */
  requireHibernation(): HibernationService {
    if (!this.hibernation) {
      throw new WardenError('NO_WORKSPACE', 'No workspace is open', { hint: 'Open a folder of modules, or create the demo workspace.' })
    }
    return this.hibernation
  }

  /** The open workspace and the recent ones; null when none is open. */
  info(): (WorkspaceInfo & { recent: string[] }) | null {
    const recent = (this.options.database.db.prepare('SELECT path FROM recent_workspaces ORDER BY opened_at DESC LIMIT 10').all() as Array<{ path: string }>).map((r) => r.path)
    return this.hibernation ? { ...this.describe(this.hibernation.workspace), recent } : null
  }

  private describe(ws: Workspace): WorkspaceInfo {
    return { path: ws.root, kinds: ws.kinds, hibernationDir: ws.hibernationDir, archiveDir: this.options.archiveDir }
  }

  private closeCurrent(): void {
    this.stopListening?.()
    this.stopListening = null
    this.watcher?.dispose()
    this.watcher = null
    this.autoArchiver?.dispose()
    this.autoArchiver = null
  }

  dispose(): void {
    this.closeCurrent()
    this.didChangeModules.dispose()
    this.didOpen.dispose()
    this.didAlert.dispose()
  }
}
