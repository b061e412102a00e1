import { WardenError } from '../../../shared/errors'
import type { SettingsStore } from '../settings/SettingsStore'
import type { ArchiveOutcome, HibernationService } from './HibernationService'

const HOUR = 60 * 60 * 1000

export interface AutoArchiverOptions {
  hibernation: HibernationService
  /** Where `archiveAfterDays` is read (fresh on every check) and its changes heard. */
  settings: SettingsStore
  /** A check that failed for a reason a person can act on. */
  onAlert: (alert: { level: 'warning'; title: string; message: string }) => void
  /** How often to look for old hibernations. Defaults to an hour. */
  intervalMs?: number
}

/**
 * The seed's policy, "Hibernated (< 30d) → Archived": while the app or the server runs, hibernations
 * older than `archiveAfterDays` (0 = never) move to the module archive, by the same operation as
 * `module archive` (under the workspace lock, verified copies). Checks when started, every hour, and
 * when the setting changes; the timer never keeps the process alive.
 */
export class AutoArchiver {
  private readonly timer: ReturnType<typeof setInterval>
  private readonly unsubscribe: () => void
  private running: Promise<ArchiveOutcome | null> | null = null
  private again = false
  private disposed = false
  private lastProblem: string | null = null

  constructor(private readonly options: AutoArchiverOptions) {
    this.timer = setInterval(() => void this.check(), options.intervalMs ?? HOUR)
    this.timer.unref()
    this.unsubscribe = options.settings.onDidChange(({ keys }) => {
      if (!keys.includes('archiveAfterDays')) return
      options.hibernation.policyChanged()
      void this.check()
    })
    void this.check()
  }

  /**
   * Archive what is old enough now; resolves with what moved (null when nothing was due). A check
   * asked for while one runs runs once more after it, never twice at once.
   */
  check(): Promise<ArchiveOutcome | null> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.checkOnce().finally(() => {
      this.running = null
      if (this.again && !this.disposed) {
        this.again = false
        void this.check()
      }
    })
    return this.running
  }

  private async checkOnce(): Promise<ArchiveOutcome | null> {
    if (this.disposed) return null
    const days = this.options.settings.get().archiveAfterDays
    if (days <= 0) return null
    try {
      // A cheap look first, so the workspace lock is taken only when something is due.
      if (!(await this.options.hibernation.hasOlderThan(days))) return null
      const outcome = await this.options.hibernation.archive(days)
      this.lastProblem = null
      return outcome
    } catch (error) {
      const e = WardenError.from(error)
      // Another process holding the workspace: the next check tries again. Each other problem is told once.
      if (!this.disposed && e.code !== 'LOCKED' && e.message !== this.lastProblem) {
        this.lastProblem = e.message
        this.options.onAlert({ level: 'warning', title: 'Automatic archiving failed', message: `${e.message}${e.hint ? ` ${e.hint}` : ''}` })
      }
      return null
    }
  }

  dispose(): void {
    this.disposed = true
    clearInterval(this.timer)
    this.unsubscribe()
  }
}
