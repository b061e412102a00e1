import { randomBytes } from 'node:crypto'
import { Fitness, PatchChange, patchKinds, type Patch, type PatchKind, type PatchStatus } from '../../../shared/contract/domains/healing'
import { WardenError } from '../../../shared/errors'
import type { WardenDatabase } from '../storage/Database'
import { describeChange } from './describeChange'
import type { PatchDraft } from './types'

interface PatchRow {
  id: string
  created_at: number
  source: string
  strategy: string
  title: string
  rationale: string
  change: string
  change_key: string
  diff: string
  status: string
  fitness: string | null
  sandbox_log: string
  evaluated_at: number | null
  decided_at: number | null
  decided_by: string | null
  applied_at: number | null
  rolled_back_at: number | null
  outcome: string | null
  error: string | null
  undo: string | null
}

/** What rollback needs that the change alone does not say (a checkpoint taken just before, a git commit…). */
export type UndoRecord = Record<string, unknown>

/** Statuses a patch waits in for a decision. */
const PENDING: PatchStatus[] = ['evaluating', 'proposed']
/** Statuses of attempts (the seeds' history): everything decided. */
const DECIDED: PatchStatus[] = ['applied', 'rolled-back', 'rejected', 'failed']

export interface AutoApplyChoice {
  enabled: boolean
  kinds: PatchKind[]
  changedAt: number | null
}

export interface PatchCounts {
  proposed: number
  /** Applied now (not rolled back). */
  applied: number
  /** Ever applied (rolled back since or not): phase gate 3. */
  everApplied: number
  rolledBack: number
  rejected: number
  failed: number
  /** Patches with a fitness that a person approved or rejected (phase gate 2). */
  reviewedByPerson: number
  /** Applied patches whose outcome was measured, and those that succeeded. */
  measured: number
  succeeded: number
}

/** A change as one stable string (keys sorted): two drafts of the same change are one proposal. */
export function changeKey(change: PatchChange): string {
  return stableJson(change)
}

/** JSON with object keys sorted: equal values, equal text. */
export function stableJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sorted(x)])) : v
  return JSON.stringify(sorted(value)) ?? 'undefined'
}

export function newPatchId(): string {
  return `p-${randomBytes(6).toString('hex')}`
}

/** A new patch's record from a draft, as the engine stores it before the sandbox runs (`evaluating`). */
export function newPatchRecord(draft: PatchDraft, createdAt: number): Patch {
  return {
    id: newPatchId(),
    createdAt,
    source: draft.source,
    strategy: draft.strategy,
    title: draft.title,
    rationale: draft.rationale,
    change: draft.change,
    diff: describeChange(draft.change),
    status: 'evaluating',
    fitness: null,
    sandboxLog: '',
    evaluatedAt: null,
    decidedAt: null,
    decidedBy: null,
    appliedAt: null,
    rolledBackAt: null,
    outcome: null,
    error: null,
  }
}

/** Patches, reviews, outcomes and the auto-apply choice, in SQLite. */
export class PatchStore {
  constructor(readonly database: WardenDatabase) {}

  private get db() {
    return this.database.db
  }

  /** Run `fn` in one SQLite transaction (IMMEDIATE: other processes wait rather than interleave). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate()
  }

  insert(patch: Patch): Patch {
    this.db
      .prepare(
        `INSERT INTO healing_patches (id, created_at, source, strategy, title, rationale, change, change_key, diff, status, fitness, sandbox_log,
          evaluated_at, decided_at, decided_by, applied_at, rolled_back_at, outcome, error, undo)
         VALUES (@id, @createdAt, @source, @strategy, @title, @rationale, @change, @changeKey, @diff, @status, @fitness, @sandboxLog,
          @evaluatedAt, @decidedAt, @decidedBy, @appliedAt, @rolledBackAt, @outcome, @error, NULL)`,
      )
      .run({ ...patch, change: JSON.stringify(patch.change), changeKey: changeKey(patch.change), fitness: patch.fitness ? JSON.stringify(patch.fitness) : null })
    return this.require(patch.id)
  }

  find(id: string): Patch | null {
    const row = this.db.prepare('SELECT * FROM healing_patches WHERE id = ?').get(id) as PatchRow | undefined
    return row ? toPatch(row) : null
  }

  require(id: string): Patch {
    const patch = this.find(id)
    if (!patch) throw new WardenError('NOT_FOUND', `No patch ${id}`, { hint: 'See the patches with `warden healing proposals --status all`.' })
    return patch
  }

  /** Change fields of a patch (status, times, fitness, log, outcome, error). */
  update(id: string, fields: Partial<Omit<Patch, 'id' | 'change' | 'createdAt'>>): Patch {
    const columns: Record<string, string> = {
      source: 'source',
      strategy: 'strategy',
      title: 'title',
      rationale: 'rationale',
      diff: 'diff',
      status: 'status',
      fitness: 'fitness',
      sandboxLog: 'sandbox_log',
      evaluatedAt: 'evaluated_at',
      decidedAt: 'decided_at',
      decidedBy: 'decided_by',
      appliedAt: 'applied_at',
      rolledBackAt: 'rolled_back_at',
      outcome: 'outcome',
      error: 'error',
    }
    const sets: string[] = []
    const values: unknown[] = []
    for (const [key, value] of Object.entries(fields)) {
      const column = columns[key]
      if (!column || value === undefined) continue
      sets.push(`${column} = ?`)
      values.push(key === 'fitness' && value !== null ? JSON.stringify(value) : value)
    }
    if (sets.length) this.db.prepare(`UPDATE healing_patches SET ${sets.join(', ')} WHERE id = ?`).run(...values, id)
    return this.require(id)
  }

  undoOf(id: string): UndoRecord | null {
    const row = this.db.prepare('SELECT undo FROM healing_patches WHERE id = ?').get(id) as { undo: string | null } | undefined
    return row?.undo ? (JSON.parse(row.undo) as UndoRecord) : null
  }

  setUndo(id: string, undo: UndoRecord | null): void {
    this.db.prepare('UPDATE healing_patches SET undo = ? WHERE id = ?').run(undo ? JSON.stringify(undo) : null, id)
  }

  /** Patches newest first: waiting for a decision, applied, or all; by source and strategy. */
  list(filter: { status: 'pending' | 'applied' | 'all'; source?: string; strategy?: string; limit: number }): Patch[] {
    const where: string[] = []
    const values: unknown[] = []
    if (filter.status === 'pending') {
      where.push(`status IN (${PENDING.map(() => '?').join(', ')})`)
      values.push(...PENDING)
    }
    if (filter.status === 'applied') where.push(`status = 'applied'`)
    if (filter.source) {
      where.push('source = ?')
      values.push(filter.source)
    }
    if (filter.strategy) {
      where.push('strategy = ?')
      values.push(filter.strategy)
    }
    const sql = `SELECT * FROM healing_patches ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`
    return (this.db.prepare(sql).all(...values, filter.limit) as PatchRow[]).map(toPatch)
  }

  /** Healing attempts (decided patches), newest decision first. */
  history(limit: number): Patch[] {
    const rows = this.db
      .prepare(`SELECT * FROM healing_patches WHERE status IN (${DECIDED.map(() => '?').join(', ')}) ORDER BY COALESCE(rolled_back_at, applied_at, decided_at, created_at) DESC, rowid DESC LIMIT ?`)
      .all(...DECIDED, limit) as PatchRow[]
    return rows.map(toPatch)
  }

  /** Patches in one of these statuses (the engine's recovery: `applying`). */
  withStatus(status: PatchStatus): Patch[] {
    return (this.db.prepare('SELECT * FROM healing_patches WHERE status = ? ORDER BY created_at').all(status) as PatchRow[]).map(toPatch)
  }

  /** A patch of the same change still waiting for a decision, or applied (not proposed twice). */
  sameOpen(change: PatchChange): Patch | null {
    const row = this.db
      .prepare(`SELECT * FROM healing_patches WHERE change_key = ? AND status IN ('evaluating', 'proposed', 'applying', 'applied') ORDER BY created_at DESC LIMIT 1`)
      .get(changeKey(change)) as PatchRow | undefined
    return row ? toPatch(row) : null
  }

  /** Applied patches whose outcome is not measured yet. */
  unmeasured(): Patch[] {
    return (this.db.prepare(`SELECT * FROM healing_patches WHERE status = 'applied' AND outcome IS NULL ORDER BY applied_at`).all() as PatchRow[]).map(toPatch)
  }

  addReview(patchId: string, at: number, decidedBy: 'person' | 'auto' | 'ares', decision: 'approve' | 'reject' | 'rollback', reason?: string): void {
    this.db.prepare('INSERT INTO healing_reviews (patch_id, at, decided_by, decision, reason) VALUES (?, ?, ?, ?, ?)').run(patchId, at, decidedBy, decision, reason ?? null)
  }

  reviews(patchId: string): Array<{ at: number; decidedBy: string; decision: string; reason: string | null }> {
    return this.db.prepare('SELECT at, decided_by AS decidedBy, decision, reason FROM healing_reviews WHERE patch_id = ? ORDER BY at').all(patchId) as Array<{ at: number; decidedBy: string; decision: string; reason: string | null }>
  }

  /** At apply: the signals the patch aims at, to compare with at the next look. */
  noteBefore(patchId: string, at: number, before: unknown): void {
    this.db.prepare(`INSERT OR REPLACE INTO healing_outcomes (patch_id, at, outcome, before, after) VALUES (?, ?, 'pending', ?, 'null')`).run(patchId, at, JSON.stringify(before))
  }

  /** The signals noted at apply (null when none were). */
  before(patchId: string): unknown {
    const row = this.db.prepare('SELECT before FROM healing_outcomes WHERE patch_id = ?').get(patchId) as { before: string } | undefined
    return row ? (JSON.parse(row.before) as unknown) : null
  }

  /** Record a measured outcome (the signals before and after) and set it on the patch, at once. */
  recordOutcome(patchId: string, at: number, outcome: 'success' | 'failure', before: unknown, after: unknown): Patch {
    return this.transaction(() => {
      this.db.prepare('INSERT OR REPLACE INTO healing_outcomes (patch_id, at, outcome, before, after) VALUES (?, ?, ?, ?, ?)').run(patchId, at, outcome, JSON.stringify(before), JSON.stringify(after))
      return this.update(patchId, { outcome })
    })
  }

  counts(): PatchCounts {
    const by = Object.fromEntries((this.db.prepare('SELECT status, COUNT(*) AS n FROM healing_patches GROUP BY status').all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]))
    const reviewed = this.db
      .prepare(`SELECT COUNT(DISTINCT r.patch_id) AS n FROM healing_reviews r JOIN healing_patches p ON p.id = r.patch_id WHERE r.decided_by = 'person' AND r.decision IN ('approve', 'reject') AND p.fitness IS NOT NULL`)
      .get() as { n: number }
    // Rolled-back patches keep the outcome measured while they were applied.
    const outcomes = this.db.prepare(`SELECT outcome, COUNT(*) AS n FROM healing_patches WHERE outcome IS NOT NULL GROUP BY outcome`).all() as Array<{ outcome: string; n: number }>
    const succeeded = outcomes.find((o) => o.outcome === 'success')?.n ?? 0
    const measured = outcomes.reduce((sum, o) => sum + o.n, 0)
    const everApplied = (this.db.prepare('SELECT COUNT(*) AS n FROM healing_patches WHERE applied_at IS NOT NULL').get() as { n: number }).n
    return {
      proposed: (by.proposed ?? 0) + (by.evaluating ?? 0),
      applied: by.applied ?? 0,
      everApplied,
      rolledBack: by['rolled-back'] ?? 0,
      rejected: by.rejected ?? 0,
      failed: by.failed ?? 0,
      reviewedByPerson: reviewed.n,
      measured,
      succeeded,
    }
  }

  autoApply(): AutoApplyChoice {
    const row = this.db.prepare('SELECT enabled, kinds, changed_at FROM healing_auto_apply WHERE id = 1').get() as { enabled: number; kinds: string; changed_at: number } | undefined
    if (!row) return { enabled: false, kinds: [], changedAt: null }
    const kinds = (JSON.parse(row.kinds) as string[]).filter((k): k is PatchKind => (patchKinds as readonly string[]).includes(k))
    return { enabled: row.enabled === 1, kinds, changedAt: row.changed_at }
  }

  setAutoApply(enabled: boolean, kinds: PatchKind[], at: number): void {
    this.db
      .prepare('INSERT INTO healing_auto_apply (id, enabled, kinds, changed_at) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET enabled = excluded.enabled, kinds = excluded.kinds, changed_at = excluded.changed_at')
      .run(enabled ? 1 : 0, JSON.stringify(kinds), at)
  }
}

function toPatch(r: PatchRow): Patch {
  return {
    id: r.id,
    createdAt: r.created_at,
    source: r.source,
    strategy: r.strategy as Patch['strategy'],
    title: r.title,
    rationale: r.rationale,
    change: PatchChange.parse(JSON.parse(r.change)),
    diff: r.diff,
    status: r.status as PatchStatus,
    fitness: r.fitness ? Fitness.parse(JSON.parse(r.fitness)) : null,
    sandboxLog: r.sandbox_log,
    evaluatedAt: r.evaluated_at,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by as Patch['decidedBy'],
    appliedAt: r.applied_at,
    rolledBackAt: r.rolled_back_at,
    outcome: r.outcome as Patch['outcome'],
    error: r.error,
  }
}
