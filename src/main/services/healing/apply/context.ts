import { WardenError } from '../../../../shared/errors'
import type { Patch } from '../../../../shared/contract/domains/healing'
import type { HibernationService } from '../../hibernation/HibernationService'
import type { InferenceService } from '../../inference/InferenceService'
import type { SettingsStore } from '../../settings/SettingsStore'
import type { PatchStore, UndoRecord } from '../PatchStore'
import type { HealingJournal } from './journal'

/** What applying and rolling back reach. */
export interface ApplyContext {
  store: PatchStore
  settings: SettingsStore
  /** Started on first use (a settings patch never starts it). */
  inference: () => InferenceService
  /** The open workspace's hibernation (throws NO_WORKSPACE when none is open). */
  hibernation: () => HibernationService
  journal: HealingJournal
  now: () => number
}

/** The decision being carried out: who decided it (apply) and the review row's reason. */
export interface Decision {
  by: 'person' | 'auto' | 'ares'
  reason?: string
}

/**
 * The commit point of an apply: in one SQLite transaction, `extra` (the settings written, say), the
 * patch's status `applied` with what rollback needs, and the review. After it, the patch is applied.
 */
export function commitApplied(ctx: ApplyContext, patch: Patch, decision: Decision, undo: UndoRecord | null, extra?: () => void): Patch {
  return ctx.store.transaction(() => {
    requireStatus(ctx, patch.id, 'proposed', 'applied')
    extra?.()
    const at = ctx.now()
    ctx.store.setUndo(patch.id, undo)
    ctx.store.addReview(patch.id, at, decision.by, 'approve', decision.reason)
    return ctx.store.update(patch.id, { status: 'applied', decidedAt: at, decidedBy: decision.by, appliedAt: at, error: null })
  })
}

/** The commit point of a rollback (see commitApplied). */
export function commitRolledBack(ctx: ApplyContext, patch: Patch, decision: Decision, extra?: () => void): Patch {
  return ctx.store.transaction(() => {
    requireStatus(ctx, patch.id, 'applied', 'rolled back')
    extra?.()
    const at = ctx.now()
    ctx.store.addReview(patch.id, at, decision.by, 'rollback', decision.reason)
    return ctx.store.update(patch.id, { status: 'rolled-back', rolledBackAt: at })
  })
}

/** Refuse (CONFLICT) unless the patch is in `status` now (another process may have decided it). */
export function requireStatus(ctx: ApplyContext, id: string, status: Patch['status'], doing: string): Patch {
  const now = ctx.store.require(id)
  if (now.status !== status) {
    throw new WardenError('CONFLICT', `Patch ${id} cannot be ${doing}: it is ${now.status}`, {
      hint: status === 'proposed' ? 'Only a proposed patch can be approved or rejected.' : 'Only an applied patch can be rolled back.',
    })
  }
  return now
}
