import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import type { z } from 'zod'
import type { ModuleFailure, SupervisorDecision, supervisorOperations } from '../../../shared/contract/domains/healing'
import type { Settings } from '../../../shared/contract/inference'
import type { HibernatedVersion } from '../../../shared/contract/schemas'
import { WardenError } from '../../../shared/errors'
import type { ProgressFn } from '../hibernation/context'
import { NO_LIMITS } from '../hibernation/entryChecks'
import { extractInto } from '../hibernation/extract'
import { tempPath } from '../hibernation/hibernate'
import type { HibernationService } from '../hibernation/HibernationService'
import { logger } from '../logging/processLog'
import type { WardenDatabase } from '../storage/Database'
import { copyModule } from './sandbox/moduleCopy'
import { runModuleCheck, type ModuleCheckRun } from './supervisorRunner'
import { assessmentPrompt, CHECK_TIMEOUT, failureLine, planForFailure, planForReview, reviewCandidates } from './supervisorPolicy'
import { SupervisorStore, type DecisionTrigger, type StoredDecision } from './SupervisorStore'
import type { ProposalSink } from './types'

const log = logger('supervisor')

type CheckOutput = z.output<(typeof supervisorOperations)['module.check']['output']>
type CheckResult = CheckOutput['results'][number]
export type FailureReport = z.output<typeof ModuleFailure>

export interface SupervisorOptions {
  database: WardenDatabase
  settings: { get(): Settings }
  /** The open workspace's hibernation; throws NO_WORKSPACE when none is open. */
  hibernation: () => HibernationService
  /** Where proposals go (the healing engine: evaluated, stored, shown for review). */
  proposals: ProposalSink
  /**
   * Asks a persona (`supervisorPersona`) for words about a decision, without keeping them in its
   * conversation. Without it no assessment is written.
   */
  ask?: (persona: string, prompt: string, signal: AbortSignal) => Promise<string>
  /** The clock. Defaults to `Date.now`. */
  now?: () => number
  /** Longest wait for an assessment. Defaults to 60 s. */
  assessTimeoutMs?: number
}

export interface CallOptions {
  signal?: AbortSignal
  progress?: ProgressFn
}

const noProgress: ProgressFn = () => undefined
const MINUTE = 60_000

/**
 * The supervisor (the seeds' Ares): module failures in — reported by the running system, or found
 * by Warden's own check — and decisions out, by the rules in supervisorPolicy.ts. An isolated
 * failure is hibernated at once (`hibernatedBy: "ares"`); anything else becomes a proposal for a
 * person. Old failed hibernations are reviewed: tested from their archive against today's
 * workspace, and proposed for waking when they pass. Every decision is logged and stored with its
 * reasons, and a persona may add an assessment in words (advisory; it never blocks a decision).
 */
export class Supervisor {
  readonly store: SupervisorStore
  private readonly now: () => number
  /** Failures are decided one at a time: a burst of reports of one module hibernates it once. */
  private queue: Promise<unknown> = Promise.resolve()
  private timer: NodeJS.Timeout | null = null
  private lastScheduledAt: number
  private scheduledRun: Promise<unknown> | null = null
  /** Aborted at dispose: a scheduled check's module tests stop, rather than run on over a closed database. */
  private readonly disposal = new AbortController()

  constructor(private readonly options: SupervisorOptions) {
    this.store = new SupervisorStore(options.database)
    this.now = options.now ?? Date.now
    this.lastScheduledAt = this.now()
  }

  /** A module failure reported by the running system (`module report-error`). */
  reportError(failure: FailureReport, options: CallOptions = {}): Promise<SupervisorDecision> {
    return this.serialized(() => this.decide(failure, 'report', options))
  }

  /**
   * Run a module's tests (or load its entry point); every active module's when none is named, and
   * then review the old hibernations. A failing module is decided on as a reported failure.
   */
  async check(input: { name?: string }, options: CallOptions = {}): Promise<CheckOutput> {
    const progress = options.progress ?? noProgress
    const hib = this.options.hibernation()
    const active = (await hib.list()).flatMap((k) => k.modules)
    const targets = input.name ? active.filter((m) => m.name === input.name) : active
    if (input.name && !targets.length) {
      throw new WardenError('NOT_FOUND', `No active module named ${input.name} in ${hib.workspace.root}`, {
        hint: 'See the active modules with `warden module list`; hibernated ones are reviewed by `warden module check` without --name.',
      })
    }
    const results: CheckResult[] = []
    for (const [i, m] of targets.entries()) {
      options.signal?.throwIfAborted()
      progress('check', `Checking ${m.name} (${i + 1} of ${targets.length})`, i / Math.max(1, targets.length))
      const run = await this.checkOnCopy(hib.workspace.root, m, options.signal)
      // Stopped by its caller (Ctrl-C) or a shutdown: no verdict on the module, so no decision.
      throwIfCancelled(options.signal)
      let decision: SupervisorDecision | null = null
      if (!run.ok) {
        const failure: FailureReport = {
          name: m.name,
          type: run.timedOut ? CHECK_TIMEOUT : run.ran === 'tests' ? 'TestFailure' : 'LoadError',
          message: `module check: ${run.ran === 'tests' ? 'its tests failed' : 'loading its entry point failed'}: ${failureLine(run)}`,
          stack: run.output,
        }
        decision = await this.serialized(() => this.decide(failure, 'check', options))
      }
      results.push({ name: m.name, ok: run.ok, durationMs: run.durationMs, ran: run.ran, output: run.output, decision })
    }
    const reviewed = input.name ? [] : await this.review(options)
    progress('check', `Checked ${targets.length} module(s)${input.name ? '' : `, reviewed ${reviewed.length} hibernated`}`, 1)
    return { results, reviewed }
  }

  /**
   * One active module's check on a temporary copy, as the sandbox runs it: its tests are code that
   * may write where they stand, and the live module is only read.
   */
  private async checkOnCopy(root: string, m: { name: string; path: string }, signal?: AbortSignal): Promise<ModuleCheckRun> {
    const copy = await copyModule({ name: m.name, absPath: path.join(root, ...m.path.split('/')), relPath: m.path, workspaceRoot: root })
    try {
      return await runModuleCheck(copy.dir, root, this.limits(signal))
    } finally {
      await copy.dispose()
    }
  }

  /** Test failed hibernations older than `aresReviewAfterHours` from their archives; propose waking those that pass. */
  async review(options: CallOptions = {}): Promise<CheckResult[]> {
    const hib = this.options.hibernation()
    const ws = hib.workspace
    const { aresReviewAfterHours } = this.options.settings.get()
    const versions = await hib.listHibernated(undefined, false)
    const candidates = reviewCandidates(versions, this.store.reviewedVersions(ws.root), this.now(), aresReviewAfterHours)
    const out: CheckResult[] = []
    for (const v of candidates) {
      options.signal?.throwIfAborted()
      options.progress?.('review', `Reviewing ${v.name}: its tests from the archive`, null)
      const run = await this.runFromArchive(hib, v, options.signal)
      throwIfCancelled(options.signal)
      const plan = planForReview(v, run, this.now())
      let action: SupervisorDecision['action'] = 'reviewed'
      let patchId: string | null = null
      const reasons = [...plan.reasons]
      let versionAt: number | null = v.hibernatedAt
      if (plan.action === 'propose-wake') {
        try {
          const patch = await this.options.proposals.propose(
            { source: v.name, strategy: 'supervisor', title: `Wake ${v.name} and test it`, rationale: reasons.join('; '), change: { kind: 'module-action', module: v.name, action: 'wake' } },
            { signal: options.signal },
          )
          action = 'proposed'
          patchId = patch.id
        } catch (error) {
          reasons.push(`the proposal could not be made: ${(error as Error).message} (tried again at the next review)`)
          versionAt = null
        }
      }
      const stored = this.record({ workspace: ws.root, at: this.now(), module: v.name, action, trigger: 'review', reasons, patchId, versionAt })
      const decision = await this.assess(stored, run.output)
      out.push({ name: v.name, ok: run.ok, durationMs: run.durationMs, ran: run.ran, output: run.output, decision })
    }
    return out
  }

  /** Stored decisions, newest first (every workspace's). */
  decisions(limit: number): SupervisorDecision[] {
    return this.store.list(limit).map(publicDecision)
  }

  /** Check every module (and review) every `moduleCheckIntervalMinutes` while this process runs; 0 = never. */
  start(): void {
    if (this.timer) return
    this.lastScheduledAt = this.now()
    // A minute's tick reads the setting each time, so a change applies without a restart.
    this.timer = setInterval(() => void this.tick(), MINUTE)
    this.timer.unref()
  }

  /**
   * What `start`'s timer calls every minute: the scheduled check and review, when
   * `moduleCheckIntervalMinutes` have passed since the last (and none is running). Returns the
   * run, or null when none is due (or no workspace is open).
   */
  tick(): Promise<void> | null {
    const minutes = this.options.settings.get().moduleCheckIntervalMinutes
    if (!minutes || this.scheduledRun || this.now() - this.lastScheduledAt < minutes * MINUTE) return null
    let hib: HibernationService
    try {
      hib = this.options.hibernation()
    } catch {
      return null // no workspace open: nothing to check
    }
    this.lastScheduledAt = this.now()
    const run = this.check({}, { signal: this.disposal.signal })
      .then((r) => log.info(`Scheduled module check of ${hib.workspace.root}: ${r.results.filter((x) => !x.ok).length} of ${r.results.length} failing, ${r.reviewed.length} hibernated reviewed`))
      .catch((error: unknown) => log.warn('The scheduled module check failed', { err: error }))
      .finally(() => (this.scheduledRun = null))
    this.scheduledRun = run
    return run
  }

  dispose(): void {
    this.disposal.abort(new WardenError('CANCELLED', 'Warden is stopping'))
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn)
    this.queue = next.catch(() => undefined)
    return next
  }

  private limits(signal?: AbortSignal) {
    const s = this.options.settings.get()
    return { timeoutMs: s.healingSandboxTimeoutSeconds * 1000, memoryMB: s.healingSandboxMemoryMB, signal }
  }

  private async decide(failure: FailureReport, trigger: DecisionTrigger, options: CallOptions): Promise<SupervisorDecision> {
    const hib = this.options.hibernation()
    const ws = hib.workspace.root
    const active = (await hib.list()).flatMap((k) => k.modules).find((m) => m.name === failure.name) ?? null
    const hibernated = active ? null : ((await hib.listHibernated(undefined, false)).find((v) => v.name === failure.name) ?? null)
    const last = this.store.lastProposal(ws, failure.name)
    const plan = planForFailure({
      name: failure.name,
      error: failure,
      active: active ? { dependents: active.dependents } : null,
      hibernated: hibernated ? { at: hibernated.hibernatedAt, by: hibernated.hibernatedBy, reason: hibernated.reason } : null,
      autoHibernate: this.options.settings.get().aresAutoHibernate,
      lastProposal: last ? { at: last.at, patchId: last.patchId } : null,
      now: this.now(),
    })
    if (plan.action === 'unknown') {
      throw new WardenError('NOT_FOUND', `No module named ${failure.name} in ${ws}: ${plan.reasons[0]}`, {
        hint: 'Report failures of the workspace’s modules by their package name (`warden module list`).',
      })
    }
    const reasons = [...plan.reasons]
    let action: SupervisorDecision['action'] = 'ignored'
    let patchId: string | null = null
    const error = { type: failure.type, message: failure.message, ...(failure.stack ? { stack: failure.stack } : {}) }
    if (plan.action === 'hibernate') {
      try {
        await hib.hibernate({ name: failure.name, reason: 'runtime-failure', withDependents: false, hibernatedBy: 'ares', error }, options.progress)
        action = 'hibernated'
      } catch (e) {
        reasons.push(`hibernating it failed: ${(e as Error).message}`)
      }
    } else if (plan.action === 'propose') {
      try {
        const patch = await this.options.proposals.propose(
          { source: failure.name, strategy: 'supervisor', title: plan.title, rationale: reasons.join('; '), change: plan.change },
          { signal: options.signal },
        )
        action = 'proposed'
        patchId = patch.id
      } catch (e) {
        reasons.push(`the proposal could not be made: ${(e as Error).message}`)
      }
    }
    const stored = this.record({ workspace: ws, at: this.now(), module: failure.name, action, trigger, reasons, patchId, versionAt: null, error })
    return this.assess(stored, failure.stack ?? failure.message)
  }

  private record(d: Parameters<SupervisorStore['add']>[0]): StoredDecision {
    const stored = this.store.add(d)
    log.info(`Supervisor: ${d.module} ${d.action}${d.patchId ? ` (${d.patchId})` : ''} — ${d.reasons.join('; ')}`, { trigger: d.trigger, workspace: d.workspace })
    return stored
  }

  /**
   * The decision with its persona's assessment, when one is named and answers in time; never fails.
   * A decision that did nothing (a repeated report) is not assessed: a burst of reports would
   * otherwise be a burst of generations.
   */
  private async assess(decision: StoredDecision, detail: string | null): Promise<SupervisorDecision> {
    const persona = this.options.settings.get().supervisorPersona
    if (!persona || !this.options.ask || decision.action === 'ignored') return publicDecision(decision)
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(new Error('no answer in time')), this.options.assessTimeoutMs ?? 60_000)
    try {
      const text = (await this.options.ask(persona, assessmentPrompt(decision, detail), controller.signal)).trim()
      if (!text) return publicDecision(decision)
      this.store.setAssessment(decision.id, text)
      return publicDecision({ ...decision, assessment: text })
    } catch (error) {
      log.warn(`Supervisor: no assessment of the decision about ${decision.module} from persona ${persona}`, { err: error })
      return publicDecision(decision)
    } finally {
      clearTimeout(timer)
    }
  }

  /** Extract the version into a temp folder inside the workspace (so it resolves what the active tree would) and run it there. */
  private async runFromArchive(hib: HibernationService, v: HibernatedVersion, signal?: AbortSignal): Promise<ModuleCheckRun> {
    await fsp.mkdir(hib.workspace.tmpDir, { recursive: true })
    const dir = tempPath(hib.workspace.tmpDir, `review-${v.name}`)
    try {
      // Its checksum matched its metadata (`restorable`): our own archive, extracted as wake does.
      await extractInto(v.archivePath, dir, { trusted: true, limits: NO_LIMITS })
      return await runModuleCheck(dir, hib.workspace.root, this.limits(signal))
    } catch (error) {
      return { ok: false, ran: 'nothing', output: `its archive could not be extracted: ${(error as Error).message}`, stopped: null, durationMs: 0, timedOut: false }
    } finally {
      await fsp.rm(dir, { recursive: true, force: true })
    }
  }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new WardenError('CANCELLED', 'The module check was cancelled: nothing was decided')
}

function publicDecision(d: StoredDecision): SupervisorDecision {
  return { at: d.at, module: d.module, action: d.action, reasons: d.reasons, patchId: d.patchId, assessment: d.assessment }
}
