import type { z } from 'zod'
import type { Patch, PatchKind, SupervisorDecision } from '../../../shared/contract/domains/healing'
import type { healingOperations } from '../../../shared/contract/domains/healing'
import { WardenError } from '../../../shared/errors'
import { Emitter } from '../events/Emitter'
import type { HealthMonitor } from '../health/HealthMonitor'
import type { WardenMetrics } from '../health/WardenMetrics'
import type { InferenceService } from '../inference/InferenceService'
import { logger } from '../logging/processLog'
import type { SettingsStore } from '../settings/SettingsStore'
import type { WorkspaceService } from '../workspace/WorkspaceService'
import { HealingJournal } from './apply/journal'
import { PatchApplier } from './applyPatch'
import { readEvaluateInput } from './evaluateInput'
import { monitorStability, snapshotCount, snapshotHours } from './gateFacts'
import { measureOutcomes } from './measureOutcomes'
import { healthSourceOf, readingOf } from './outcome'
import { newPatchRecord, type PatchStore } from './PatchStore'
import { phaseGates, type GateFacts } from './phaseGates'
import type { FitnessOf, PatchDraft, ProgressReport, ProposalSink, Sandbox, StrategyContext, StrategyFn } from './types'

type Out<K extends keyof typeof healingOperations> = z.output<(typeof healingOperations)[K]['output']>
type In<K extends keyof typeof healingOperations> = z.output<(typeof healingOperations)[K]['input']>

const log = logger('healing')


export interface HealingEngineOptions {
  store: PatchStore
  settings: SettingsStore
  health: Pick<HealthMonitor, 'summary'>
  /** The inference service, started on first use (applying a worker or persona patch starts it). */
  inference: () => InferenceService
  /** The inference service if it has started (the loop never starts it). Defaults to none. */
  runningInference?: () => InferenceService | null
  workspaces: Pick<WorkspaceService, 'requireHibernation'>
  /** Evaluates every draft before it is proposed (heal-sandbox). */
  sandbox: Sandbox
  fitnessOf: FitnessOf
  /** The seeds' five strategies (heal-ares), run on every pass of the loop. */
  strategies: StrategyFn[]
  /** Where applies and rollbacks are journalled: `<home>/healing/journal`. */
  journalDir: string
  /** Prometheus counters and histograms; more can be attached later with `useMetrics`. */
  metrics?: WardenMetrics
  /** The supervisor's decisions, newest first, for `history` (heal-ares). Defaults to none. */
  decisions?: (limit: number) => SupervisorDecision[]
  /** A persona drafts a fix for a failing module (heal-sandbox); `draftFix` is unavailable without it. */
  draftFix?: (input: { module: string; persona: string }, options: { signal?: AbortSignal; onProgress?: ProgressReport }) => Promise<PatchDraft>
  /** Defaults to `Date.now`. */
  now?: () => number
}

/** What changed, for live views (the contract's `healing.changed`). */
export interface HealingChange {
  at: number
  patchId: string | null
  reason: string
}

/** Something a person should see now (a proposal that needs them): the contract's `alert` on page `healing`. */
export interface HealingAlert {
  level: 'info' | 'warning' | 'error'
  title: string
  message: string
}

/**
 * The self-healing engine (seeds 003/004): a loop that runs the strategies on the health monitor's
 * signals every `healingIntervalMinutes` while started; every draft evaluated in the sandbox and
 * scored before it is proposed; proposals approved, rejected and rolled back by a person (or
 * applied on their own once phase gate 3 is met and the person has allowed it); each applied
 * patch's outcome measured at the next look, feeding the success rate the gates are measured on.
 */
export class HealingEngine implements ProposalSink {
  private readonly store: PatchStore
  private readonly applier: PatchApplier
  private readonly now: () => number
  private readonly metricsList: WardenMetrics[] = []
  private timer: NodeJS.Timeout | null = null
  private running = false
  private lastRunAt: number | null = null
  private nextRunAt: number | null = null
  private run: Promise<Out<'healing.runOnce'>> | null = null
  private disposed = false
  /** Aborted at dispose: the loop's sandbox runs stop, rather than run on over a closed database. */
  private readonly disposal = new AbortController()
  private readonly didChange = new Emitter<HealingChange>()
  private readonly didAlert = new Emitter<HealingAlert>()
  /** Patches proposed, decided, applied, rolled back, or the loop started or stopped. */
  readonly onDidChange = this.didChange.event
  /** A proposal needs a person. */
  readonly onDidAlert = this.didAlert.event

  constructor(private readonly options: HealingEngineOptions) {
    this.store = options.store
    this.now = options.now ?? Date.now
    if (options.metrics) this.metricsList.push(options.metrics)
    this.applier = new PatchApplier({
      store: this.store,
      settings: options.settings,
      inference: options.inference,
      hibernation: () => options.workspaces.requireHibernation(),
      journal: new HealingJournal(options.journalDir),
      now: this.now,
    })
  }

  /** Count into these metrics too (the server's /metrics, built after the host); returns what detaches them. */
  useMetrics(metrics: WardenMetrics): () => void {
    this.metricsList.push(metrics)
    return () => {
      const i = this.metricsList.indexOf(metrics)
      if (i >= 0) this.metricsList.splice(i, 1)
    }
  }

  private metric(fn: (m: WardenMetrics) => void): void {
    for (const m of this.metricsList) fn(m)
  }

  private changed(reason: string, patchId: string | null = null): void {
    this.didChange.fire({ at: this.now(), patchId, reason })
  }

  /**
   * Finish or undo applies and rollbacks a crashed process left, and mark evaluations it left as
   * failed (start-up of the app and the server). Returns what was done.
   */
  async recover(): Promise<string[]> {
    const done = await this.applier.recover()
    const limit = this.options.settings.get().healingSandboxTimeoutSeconds * 1000 + 60_000
    for (const p of this.store.withStatus('evaluating')) {
      if (this.now() - p.createdAt < limit) continue // another process may still be evaluating it
      this.store.update(p.id, { status: 'failed', error: 'Its evaluation was interrupted (Warden stopped); propose it again.' })
      done.push(`marked ${p.id} failed: its evaluation was interrupted`)
    }
    if (done.length) this.changed('recovered')
    return done
  }

  // ── the loop ───────────────────────────────────────────────────────────────────────────────

  status(): Out<'healing.status'> {
    const counts = this.store.counts()
    const gates = this.gates()
    const choice = this.store.autoApply()
    const allowed = gates[2].met
    return {
      running: this.running,
      intervalMinutes: this.options.settings.get().healingIntervalMinutes,
      lastRunAt: this.lastRunAt,
      nextRunAt: this.running ? this.nextRunAt : null,
      autoApply: {
        enabled: choice.enabled && allowed,
        kinds: choice.kinds,
        allowed,
        why: allowed ? 'Phase gate 3 is met: auto-apply may be switched on for the kinds you choose.' : `Auto-apply needs phase gate 3: ${unmet(gates.slice(0, 3)).join('; ')}.`,
      },
      counts: {
        proposed: counts.proposed,
        applied: counts.applied,
        rolledBack: counts.rolledBack,
        rejected: counts.rejected,
        successRate: counts.measured ? counts.succeeded / counts.measured : null,
      },
      gates,
    }
  }

  start(): Out<'healing.start'> {
    if (!this.running && !this.disposed) {
      this.running = true
      this.schedule()
      this.changed('started')
    }
    return this.status()
  }

  stop(): Out<'healing.stop'> {
    if (this.halt()) this.changed('stopped')
    return this.status()
  }

  /** Stop the timer; whether the loop was running. */
  private halt(): boolean {
    const was = this.running
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.nextRunAt = null
    return was
  }

  /** The next run, `healingIntervalMinutes` from now (read each time: a changed interval applies from the next run). */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer)
    const ms = this.options.settings.get().healingIntervalMinutes * 60_000
    this.nextRunAt = this.now() + ms
    this.timer = setTimeout(() => {
      this.timer = null
      this.runOnce()
        .catch((error: unknown) => log.warn('The healing loop failed; it runs again at the next interval', { err: error }))
        .finally(() => {
          if (this.running && !this.disposed) this.schedule()
        })
    }, ms)
    this.timer.unref()
  }

  /** One pass: measure applied patches' outcomes, run every strategy on the signals, propose what they draft. */
  runOnce(): Promise<Out<'healing.runOnce'>> {
    // A pass already running (the timer's, or another caller's) is the one this call gets.
    this.run ??= this.pass().finally(() => {
      this.run = null
    })
    return this.run
  }

  private async pass(): Promise<Out<'healing.runOnce'>> {
    const startedAt = this.now()
    const notes: string[] = []
    const proposed: string[] = []
    const autoApplied: string[] = []
    const summary = this.options.health.summary()
    notes.push(
      ...(await measureOutcomes(
        {
          store: this.store,
          sandbox: this.options.sandbox,
          signal: this.disposal.signal,
          now: this.now,
          measured: (id, outcome) => {
            this.countOutcome(outcome)
            this.changed('outcome measured', id)
          },
        },
        summary,
      )),
    )
    const inference = this.options.runningInference?.() ?? null
    const ctx: StrategyContext = {
      now: startedAt,
      settings: this.options.settings.get(),
      summary,
      workers: inference ? inference.scheduler.list() : [],
      personas: inference ? inference.personas.list() : [],
      checkpoints: async (persona) => (inference ? (await inference.checkpoints.list(persona)).checkpoints : []),
      pending: [...this.store.list({ status: 'pending', limit: 1000 }), ...this.store.list({ status: 'applied', limit: 1000 })],
    }
    for (const strategy of this.options.strategies) {
      let drafts: PatchDraft[]
      const timer = this.metricsList.map((m) => m.timePatchPhase('generation'))
      try {
        drafts = await strategy(ctx)
      } catch (error) {
        notes.push(`a strategy failed: ${WardenError.from(error).message}`)
        continue
      } finally {
        timer.forEach((stop) => stop())
      }
      for (const draft of drafts) {
        const same = this.store.sameOpen(draft.change)
        if (same) {
          notes.push(`${draft.title}: already ${same.status} as ${same.id}`)
          continue
        }
        try {
          const patch = await this.propose(draft, { signal: this.disposal.signal })
          proposed.push(patch.id)
          if (patch.decidedBy === 'auto' && patch.status === 'applied') autoApplied.push(patch.id)
        } catch (error) {
          notes.push(`${draft.title}: ${WardenError.from(error).message}`)
        }
      }
    }
    this.lastRunAt = startedAt
    this.changed('loop ran')
    return { proposed, autoApplied, notes }
  }

  // ── proposals ──────────────────────────────────────────────────────────────────────────────

  /**
   * Evaluate a draft in the sandbox, score it and store it as proposed (shown at once as
   * `evaluating`, with the sandbox's progress). The same change already waiting or applied is
   * returned instead of a second copy. Above the threshold, with auto-apply allowed and switched
   * on for its kind, it is applied at once (`decidedBy: auto`, listed and reversible as any).
   */
  async propose(draft: PatchDraft, options: { signal?: AbortSignal; onProgress?: ProgressReport } = {}): Promise<Patch> {
    const same = this.store.sameOpen(draft.change)
    if (same) return same
    let patch = this.store.insert(newPatchRecord(draft, this.now()))
    this.changed('evaluating', patch.id)
    const threshold = this.options.settings.get().healingApplyThreshold
    try {
      const started = this.now()
      const result = await this.options.sandbox.evaluate(draft, options)
      this.metric((m) => m.observePatchPhase('testing', (result.durationMs || this.now() - started) / 1000))
      const fitness = this.options.fitnessOf(result, threshold)
      this.metric((m) => m.observeFitness(fitness.score))
      patch = this.store.update(patch.id, { status: 'proposed', fitness, sandboxLog: result.log, evaluatedAt: this.now() })
    } catch (error) {
      const e = WardenError.from(error)
      patch = this.store.update(patch.id, { status: 'failed', error: `The sandbox could not evaluate it: ${e.message}`, evaluatedAt: this.now() })
      this.changed('evaluation failed', patch.id)
      throw e
    }
    this.changed('proposed', patch.id)
    if (this.mayAutoApply(patch, threshold)) {
      try {
        return await this.applyNow(patch, { by: 'auto', reason: `fitness ${patch.fitness!.score.toFixed(2)} ≥ ${threshold}` })
      } catch (error) {
        log.warn(`Auto-apply of ${patch.id} failed; it waits for a person`, { err: error })
        patch = this.store.require(patch.id)
      }
    }
    if (patch.status === 'proposed') {
      const f = patch.fitness!
      this.didAlert.fire({
        level: f.recommendation === 'apply' ? 'warning' : 'info',
        title: 'A healing patch needs your review',
        message: `${patch.title} — fitness ${f.score.toFixed(2)}, recommendation: ${f.recommendation.replace('_', ' ')}.`,
      })
    }
    return patch
  }

  private mayAutoApply(patch: Patch, threshold: number): boolean {
    const choice = this.store.autoApply()
    return choice.enabled && choice.kinds.includes(patch.change.kind) && patch.fitness !== null && patch.fitness.score >= threshold && patch.fitness.recommendation === 'apply' && this.gates()[2].met
  }

  proposals(input: In<'healing.proposals'>): Out<'healing.proposals'> {
    return { patches: this.store.list(input) }
  }

  history(input: In<'healing.history'>): Out<'healing.history'> {
    return { patches: this.store.history(input.limit), decisions: this.options.decisions?.(input.limit) ?? [] }
  }

  show(input: In<'healing.show'>): Out<'healing.show'> {
    return this.store.require(input.id)
  }

  // ── decisions ──────────────────────────────────────────────────────────────────────────────

  /**
   * Apply a proposed patch: a person's approval, or the supervisor's own rule-based action (`ares`:
   * listed and reversible as any patch).
   */
  async approve(input: In<'healing.approve'>, options: { by?: 'person' | 'ares' } = {}): Promise<Out<'healing.approve'>> {
    return this.applyNow(this.store.require(input.id), { by: options.by ?? 'person' })
  }

  private async applyNow(patch: Patch, decision: { by: 'person' | 'auto' | 'ares'; reason?: string }): Promise<Patch> {
    const before = readingOf(this.options.health.summary(), healthSourceOf(patch))
    this.metric((m) => m.healingAttempted())
    const started = this.now()
    try {
      const applied = await this.applier.apply(patch, decision)
      this.store.noteBefore(applied.id, this.now(), before)
      // Success or failure is counted when the outcome is measured (recordOutcome), not at the apply.
      this.metric((m) => m.observePatchPhase('application', (this.now() - started) / 1000))
      this.changed('applied', applied.id)
      return applied
    } catch (error) {
      const e = WardenError.from(error)
      this.metric((m) => m.healingFailed())
      // Nothing was changed (or it was undone); the patch keeps its status, with why it did not apply.
      if (this.store.find(patch.id)?.status === 'proposed') this.store.update(patch.id, { error: e.message })
      this.changed('apply failed', patch.id)
      throw e
    }
  }

  /**
   * Prometheus: an attempt is an apply; it ends as a success or a failure once (its measured outcome,
   * a rollback before one, or an apply that failed), so success + failures never exceed attempts.
   */
  private countOutcome(outcome: 'success' | 'failure'): void {
    this.metric((m) => (outcome === 'success' ? m.healingSucceeded() : m.healingFailed()))
  }

  reject(input: In<'healing.reject'>): Out<'healing.reject'> {
    const patch = this.store.transaction(() => {
      const p = this.store.require(input.id)
      if (p.status !== 'proposed') throw new WardenError('CONFLICT', `Patch ${p.id} cannot be rejected: it is ${p.status}`, { hint: p.status === 'applied' ? 'Roll it back instead: warden healing rollback ' + p.id : 'Only a proposed patch can be rejected.' })
      const at = this.now()
      this.store.addReview(p.id, at, 'person', 'reject', input.reason)
      return this.store.update(p.id, { status: 'rejected', decidedAt: at, decidedBy: 'person' })
    })
    this.changed('rejected', patch.id)
    return patch
  }

  async rollback(input: In<'healing.rollback'>): Promise<Out<'healing.rollback'>> {
    const patch = this.store.require(input.id)
    let back = await this.applier.rollback(patch, { by: 'person' })
    // Rolled back before its outcome was measured: a person judged it, and it counts as a failure
    // (otherwise undoing the bad ones before the next look would leave only the good ones measured).
    if (back.outcome === null) {
      back = this.store.recordOutcome(back.id, this.now(), 'failure', this.store.before(back.id), { rolledBackBeforeMeasured: true })
      this.countOutcome('failure')
    }
    this.changed('rolled back', back.id)
    return back
  }

  /** The seeds' evaluate-patch: a unified diff to a module, evaluated in the sandbox and proposed. */
  async evaluate(input: In<'healing.evaluate'>, options: { signal?: AbortSignal; onProgress?: ProgressReport } = {}): Promise<Out<'healing.evaluate'>> {
    const { diff, label } = await readEvaluateInput(input, () => this.options.workspaces.requireHibernation().workspace)
    const draft: PatchDraft = {
      source: input.module,
      strategy: 'manual',
      title: `A patch to ${input.module}`,
      rationale: 'Given by a person to evaluate (the seeds’ evaluate-patch).',
      change: { kind: 'module-diff', module: input.module, diff },
    }
    // A diff that is wrong is refused as it is given, naming the file: not stored as a failed patch.
    await this.options.sandbox.check?.(draft, label)
    return this.propose(draft, options)
  }

  autoApply(input: In<'healing.autoApply'>): Out<'healing.autoApply'> {
    const kinds: PatchKind[] = [...new Set(input.kinds ?? [])]
    if (input.enabled) {
      const gates = this.gates()
      if (!gates[2].met) {
        throw new WardenError('CONFLICT', `Auto-apply cannot be switched on yet: phase gate 3 is not met (${unmet(gates.slice(0, 3)).join('; ')})`, {
          hint: 'Review and apply patches yourself until the gates are met (warden healing status shows them with their progress).',
        })
      }
      if (!kinds.length) throw new WardenError('INVALID_INPUT', 'Name the patch kinds auto-apply may apply (--kinds settings,worker-action …)', { hint: 'Kinds: module-diff, settings, persona, worker-action, module-action.' })
    }
    this.store.setAutoApply(input.enabled, input.enabled ? kinds : [], this.now())
    this.changed(input.enabled ? 'auto-apply on' : 'auto-apply off')
    return this.status()
  }

  async draftFix(input: In<'healing.draftFix'>, options: { signal?: AbortSignal; onProgress?: ProgressReport } = {}): Promise<Out<'healing.draftFix'>> {
    if (!this.options.draftFix) throw new WardenError('UNAVAILABLE', 'Drafting a fix is not available in this version')
    return this.propose(await this.options.draftFix(input, options), options)
  }

  // ── phase gates ────────────────────────────────────────────────────────────────────────────

  private gates() {
    return phaseGates(this.gateFacts())
  }

  private gateFacts(): GateFacts {
    const counts = this.store.counts()
    const monitor = monitorStability(() => this.options.health.summary(), this.now())
    return {
      snapshots: snapshotCount(this.store.database),
      hours: snapshotHours(this.store.database),
      monitorStable: monitor.stable,
      monitorNote: monitor.note,
      reviewedByPerson: counts.reviewedByPerson,
      applied: counts.everApplied,
      measured: counts.measured,
      succeeded: counts.succeeded,
      rolledBack: counts.rolledBack,
    }
  }

  dispose(): void {
    this.disposed = true
    this.disposal.abort(new WardenError('CANCELLED', 'Warden is stopping'))
    this.halt()
    this.didChange.dispose()
    this.didAlert.dispose()
  }
}

function unmet(gates: ReturnType<typeof phaseGates>): string[] {
  return gates.flatMap((g) => g.conditions.filter((c) => !c.met).map((c) => `${c.text} (${c.progress})`))
}
