import type { Patch, PatchChange } from '../../../../shared/contract/domains/healing'
import { WardenError } from '../../../../shared/errors'
import { commitApplied, commitRolledBack, requireStatus, type ApplyContext, type Decision } from './context'
import type { HealingJournalEntry } from './journal'
import { applyPersonaSettings, rollbackPersonaSettings } from './settingsChange'

type WorkerAction = Extract<PatchChange, { kind: 'worker-action' }>
type PersonaChange = Extract<PatchChange, { kind: 'persona' }>

/**
 * An action on a model's worker. Workers hold no state of their own that a crash could leave half
 * changed (a restarted process is a fresh one), so the status alone records it. Recycling first
 * checkpoints every persona on the model, so nothing they hold is lost with the old process.
 */
export async function applyWorkerAction(ctx: ApplyContext, patch: Patch, change: WorkerAction, decision: Decision): Promise<Patch> {
  requireStatus(ctx, patch.id, 'proposed', 'applied')
  const inference = ctx.inference()
  const worker = inference.scheduler.list().find((w) => w.modelId === change.model)
  const undo: Record<string, unknown> = { wasPinned: worker?.pinned ?? false }
  switch (change.action) {
    case 'recycle': {
      const checkpoints: Record<string, string> = {}
      for (const persona of inference.personas.list().filter((p) => p.model === change.model)) {
        checkpoints[persona.name] = (await inference.checkpoints.create(persona.name, `before healing ${patch.id}`)).id
      }
      undo.checkpoints = checkpoints
      await inference.restartWorker(change.model)
      break
    }
    case 'restart':
      await inference.restartWorker(change.model)
      break
    case 'pin':
    case 'unpin':
      inference.pinModel(change.model, change.action === 'pin')
      break
  }
  return commitApplied(ctx, patch, decision, undo)
}

/** Pin and unpin reverse each other; a restart has nothing to undo (the personas kept their state). */
export async function rollbackWorkerAction(ctx: ApplyContext, patch: Patch, change: WorkerAction, decision: Decision): Promise<Patch> {
  requireStatus(ctx, patch.id, 'applied', 'rolled back')
  const undo = ctx.store.undoOf(patch.id) ?? {}
  if (change.action === 'pin' || change.action === 'unpin') ctx.inference().pinModel(change.model, undo.wasPinned === true)
  return commitRolledBack(ctx, patch, decision)
}

/**
 * A persona change: its settings (genome included) in one transaction with the status, or a
 * checkpoint restored after taking one of the persona as it is now (rollback resumes that one).
 */
export async function applyPersona(ctx: ApplyContext, patch: Patch, change: PersonaChange, decision: Decision): Promise<Patch> {
  requireStatus(ctx, patch.id, 'proposed', 'applied')
  if (!change.checkpoint) return applyPersonaSettings(ctx, patch, change, decision)
  const checkpoints = ctx.inference().checkpoints
  const entry: HealingJournalEntry = { patchId: patch.id, op: 'apply', pid: process.pid, startedAt: ctx.now() }
  await ctx.journal.write(entry)
  let before: string | null = null
  try {
    before = (await checkpoints.create(change.persona, `before healing ${patch.id}`)).id
    await ctx.journal.write({ ...entry, checkpointBefore: before })
    await checkpoints.resume(change.persona, change.checkpoint)
    // With a checkpoint, settings given too are set on top of the restored ones.
    const out = applyPersonaSettings(ctx, patch, change, decision, { checkpointBefore: before })
    await ctx.journal.end(patch.id)
    return out
  } catch (error) {
    // Refused (a checkpoint of another model, a value changed since): the persona as it was, now.
    if (before) await checkpoints.resume(change.persona, before)
    await ctx.journal.end(patch.id)
    throw error
  }
}

export async function rollbackPersona(ctx: ApplyContext, patch: Patch, change: PersonaChange, decision: Decision): Promise<Patch> {
  requireStatus(ctx, patch.id, 'applied', 'rolled back')
  if (!change.checkpoint) return rollbackPersonaSettings(ctx, patch, change, decision)
  const checkpointBefore = ctx.store.undoOf(patch.id)?.checkpointBefore
  if (typeof checkpointBefore !== 'string') throw new WardenError('INTERNAL', `Patch ${patch.id} has no record of the checkpoint taken before it, so it cannot be rolled back`)
  await ctx.journal.write({ patchId: patch.id, op: 'rollback', pid: process.pid, startedAt: ctx.now(), checkpointBefore })
  // The checkpoint taken just before holds the settings from before too.
  await ctx.inference().checkpoints.resume(change.persona, checkpointBefore)
  const out = commitRolledBack(ctx, patch, decision)
  await ctx.journal.end(patch.id)
  return out
}

/** After a crash: an apply not committed is undone (the checkpoint taken before is resumed); a rollback is finished. */
export async function recoverPersona(ctx: ApplyContext, entry: HealingJournalEntry, patch: Patch | null, change: PersonaChange): Promise<string> {
  let said = `nothing to do for the interrupted ${entry.op} of ${entry.patchId}`
  if (entry.op === 'apply' && patch?.status !== 'applied' && entry.checkpointBefore) {
    await ctx.inference().checkpoints.resume(change.persona, entry.checkpointBefore)
    said = `undid the interrupted apply of ${entry.patchId} (${change.persona} resumed from the checkpoint taken just before)`
  } else if (entry.op === 'rollback' && patch?.status === 'applied' && entry.checkpointBefore) {
    await ctx.inference().checkpoints.resume(change.persona, entry.checkpointBefore)
    commitRolledBack(ctx, patch, { by: 'person', reason: 'finished after an interruption' })
    said = `finished the interrupted rollback of ${entry.patchId}`
  }
  await ctx.journal.end(entry.patchId)
  return said
}
