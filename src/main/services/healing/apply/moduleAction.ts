import type { Patch, PatchChange } from '../../../../shared/contract/domains/healing'
import { WardenError } from '../../../../shared/errors'
import type { HibernationService } from '../../hibernation/HibernationService'
import { commitApplied, commitRolledBack, requireStatus, type ApplyContext, type Decision } from './context'
import type { HealingJournalEntry } from './journal'

type ModuleAction = Extract<PatchChange, { kind: 'module-action' }>

/** One step: a hibernation or a wake, each atomic and journalled by the hibernation service itself. */
type Step = { do: 'hibernate'; tree: boolean } | { do: 'wake'; at?: number; name?: string }

/** Everything `hibernatedBy: 'healing'` writes in the metadata. */
const BY = 'healing'

async function isActive(h: HibernationService, name: string): Promise<boolean> {
  return (await h.workspace.scan({ sizes: false })).modules.has(name)
}

/** Runs one step; returns the modules it hibernated (a tree: the module and its dependents). */
async function run(h: HibernationService, name: string, step: Step, reason: string): Promise<string[]> {
  if (step.do === 'hibernate') return (await h.hibernate({ name, reason, withDependents: step.tree, hibernatedBy: BY })).hibernated.map((m) => m.name)
  await h.wake({ name: step.name ?? name, at: step.at, fromArchive: false })
  return []
}

/** The hibernated version a `wake-version` names: its package version, or its hibernation time (ms). */
async function versionAt(h: HibernationService, name: string, version: string | undefined): Promise<number | undefined> {
  if (!version) return undefined
  const { versions } = await h.versions(name)
  const found = versions.find((v) => v.version === version || String(v.hibernatedAt) === version)
  if (!found) {
    throw new WardenError('NOT_FOUND', `${name} has no hibernated version ${version}`, { hint: `Its versions: ${versions.map((v) => `${v.version ?? '?'} (${v.hibernatedAt})`).join(', ') || 'none'}` })
  }
  return found.hibernatedAt
}

/** The newest hibernation of a module not yet woken: the one a step just made. */
async function newestAt(h: HibernationService, name: string): Promise<number | undefined> {
  const { versions } = await h.versions(name)
  return versions.filter((v) => v.wokenAt == null).sort((a, b) => b.hibernatedAt - a.hibernatedAt)[0]?.hibernatedAt
}

/**
 * A module action. Each step flips whether the module is active, so after a crash the module's
 * state (after the hibernation service's own recovery) and the steps done say how far it got.
 */
async function runSteps(ctx: ApplyContext, patch: Patch, op: 'apply' | 'rollback', name: string, steps: Step[], reason: string): Promise<string[]> {
  const h = ctx.hibernation()
  const entry: HealingJournalEntry = { patchId: patch.id, op, pid: process.pid, startedAt: ctx.now(), workspace: h.workspace.root, stepsDone: 0, steps: steps.length, finalActive: steps[steps.length - 1].do === 'wake' }
  await ctx.journal.write(entry)
  const hibernated: string[] = []
  try {
    for (const step of steps) {
      hibernated.push(...(await run(h, name, step, reason)))
      entry.stepsDone = (entry.stepsDone ?? 0) + 1
      await ctx.journal.write(entry)
    }
    return hibernated
  } catch (error) {
    // A step refused or failed (the hibernation service left its own step undone): undo the
    // steps before it now, as recovery would after a crash, and report the step's error.
    await recoverModuleAction(ctx, entry, patch, patch.change as ModuleAction, { finish: false }).catch(() => undefined)
    throw error
  }
}

export async function applyModuleAction(ctx: ApplyContext, patch: Patch, change: ModuleAction, decision: Decision): Promise<Patch> {
  requireStatus(ctx, patch.id, 'proposed', 'applied')
  const h = ctx.hibernation()
  const name = change.module
  const reason = `healing ${patch.id}: ${patch.title}`
  let steps: Step[]
  let undo: Record<string, unknown> = {}
  switch (change.action) {
    case 'hibernate':
    case 'hibernate-tree':
      steps = [{ do: 'hibernate', tree: change.action === 'hibernate-tree' }]
      break
    case 'wake':
      steps = [{ do: 'wake' }]
      break
    case 'wake-version': {
      const at = await versionAt(h, name, change.version)
      const active = await isActive(h, name)
      steps = active ? [{ do: 'hibernate', tree: false }, { do: 'wake', at }] : [{ do: 'wake', at }]
      undo = { replaced: active }
      break
    }
  }
  const hibernated = await runSteps(ctx, patch, 'apply', name, steps, reason)
  // A tree's rollback wakes every module it hibernated, not the failing one alone.
  if (change.action === 'hibernate-tree') undo = { tree: hibernated }
  if (change.action === 'wake-version' && undo.replaced) {
    // The version that was active is the newest hibernation now that the older one is woken.
    const { versions } = await h.versions(name)
    undo.replacedAt = versions.filter((v) => v.wokenAt == null && v.hibernatedBy === BY).sort((a, b) => b.hibernatedAt - a.hibernatedAt)[0]?.hibernatedAt
  }
  const out = commitApplied(ctx, patch, decision, undo)
  await ctx.journal.end(patch.id)
  return out
}

/** The reverse, losslessly: what was hibernated is woken, what was woken is hibernated (as history). */
export async function rollbackModuleAction(ctx: ApplyContext, patch: Patch, change: ModuleAction, decision: Decision): Promise<Patch> {
  requireStatus(ctx, patch.id, 'applied', 'rolled back')
  const undo = ctx.store.undoOf(patch.id) ?? {}
  const reason = `healing rollback of ${patch.id}`
  let steps: Step[]
  switch (change.action) {
    case 'hibernate':
      steps = [{ do: 'wake', at: await newestAt(ctx.hibernation(), change.module) }]
      break
    case 'hibernate-tree': {
      // The module first, then its dependents (each wakes onto what it depends on).
      const tree = Array.isArray(undo.tree) && undo.tree.length ? (undo.tree as string[]) : [change.module]
      const ordered = [change.module, ...tree.filter((n) => n !== change.module)]
      steps = []
      for (const member of ordered) steps.push({ do: 'wake', name: member, at: await newestAt(ctx.hibernation(), member) })
      break
    }
    case 'wake':
      steps = [{ do: 'hibernate', tree: false }]
      break
    case 'wake-version':
      steps = undo.replaced ? [{ do: 'hibernate', tree: false }, { do: 'wake', at: undo.replacedAt as number | undefined }] : [{ do: 'hibernate', tree: false }]
      break
  }
  await runSteps(ctx, patch, 'rollback', change.module, steps, reason)
  const out = commitRolledBack(ctx, patch, decision)
  await ctx.journal.end(patch.id)
  return out
}

/**
 * After a crash: the hibernation service first finishes or undoes its own step; then an action
 * that reached its final state is committed (finished), and one stopped halfway (the module
 * hibernated, its older version not yet woken) is undone by waking what the first step hibernated.
 */
export async function recoverModuleAction(ctx: ApplyContext, entry: HealingJournalEntry, patch: Patch | null, change: ModuleAction, options: { finish?: boolean } = {}): Promise<string> {
  const h = ctx.hibernation()
  if (h.workspace.root !== entry.workspace) throw new WardenError('CONFLICT', `the workspace ${entry.workspace} is not open`)
  await h.verify(true)
  const active = await isActive(h, change.module)
  const steps = entry.steps ?? 1
  const done = entry.stepsDone ?? 0
  const decision: Decision = { by: 'person', reason: 'finished after an interruption' }
  const committedStatus = entry.op === 'apply' ? 'applied' : 'rolled-back'
  let said: string
  const tree = change.action === 'hibernate-tree' && patch ? ((ctx.store.undoOf(patch.id)?.tree as string[] | undefined) ?? []) : []
  if (options.finish !== false && patch && patch.status !== committedStatus && entry.op === 'rollback' && tree.length > 1 && active) {
    // A tree's rollback stopped partway: wake the rest of the tree, then it is done.
    for (const member of tree) if (!(await isActive(h, member))) await h.wake({ name: member, fromArchive: false })
    commitRolledBack(ctx, patch, decision)
    said = `finished the interrupted rollback of ${entry.patchId} (woke the rest of ${change.module}'s tree)`
  } else if (options.finish !== false && patch && patch.status !== committedStatus && active === entry.finalActive && (steps === 1 || done >= 1)) {
    if (entry.op === 'apply') commitApplied(ctx, patch, { ...decision, by: patch.decidedBy ?? 'person' }, {})
    else commitRolledBack(ctx, patch, decision)
    said = `finished the interrupted ${entry.op} of ${entry.patchId} (${change.action} ${change.module})`
  } else if (patch && patch.status === committedStatus) {
    said = `finished the interrupted ${entry.op} of ${entry.patchId}`
  } else if (steps === 2 && !active) {
    await h.wake({ name: change.module, fromArchive: false })
    said = `undid the interrupted ${entry.op} of ${entry.patchId} (${change.module} woken again as it was)`
  } else {
    said = `undid the interrupted ${entry.op} of ${entry.patchId} (nothing had changed)`
  }
  await ctx.journal.end(entry.patchId)
  return said
}
