import type { HealthSummary } from '../../../shared/contract/domains/health'
import type { Patch } from '../../../shared/contract/domains/healing'
import { WardenError } from '../../../shared/errors'
import { healthSourceOf, judgeOutcome, readingOf, type OutcomeReading } from './outcome'
import type { PatchStore } from './PatchStore'
import type { Sandbox } from './types'

export interface OutcomeDeps {
  store: PatchStore
  sandbox: Sandbox
  /** Aborted at shutdown: a check stopped by it gives no verdict. */
  signal: AbortSignal
  now: () => number
  /** An outcome was recorded (metrics, events). */
  measured: (patchId: string, outcome: 'success' | 'failure') => void
}

/**
 * At the next look after an apply: did the signals each applied patch aimed at improve? Returns a
 * note per patch judged (or left for a later look).
 */
export async function measureOutcomes(deps: OutcomeDeps, summary: HealthSummary): Promise<string[]> {
  const notes: string[] = []
  for (const patch of deps.store.unmeasured()) {
    if (patch.appliedAt === null || patch.appliedAt >= summary.at) continue
    const module = moduleTestedAfter(patch)
    if (module !== null) {
      const note = await measureModuleOutcome(deps, patch, module)
      if (note) notes.push(note)
      continue
    }
    // Judged on a snapshot taken after the apply, never on the one it was applied against.
    const latestAt = summary.sources.find((s) => s.source === healthSourceOf(patch))?.latest?.at ?? null
    if (latestAt !== null && latestAt <= patch.appliedAt) continue
    const before = deps.store.before(patch.id) as OutcomeReading | null
    const after = readingOf(summary, healthSourceOf(patch))
    const outcome = judgeOutcome(before, after)
    deps.store.recordOutcome(patch.id, deps.now(), outcome, before, after)
    deps.measured(patch.id, outcome)
    notes.push(`${patch.id}: ${outcome === 'success' ? 'its signals improved' : 'its signals did not improve'} (${outcome})`)
  }
  return notes
}

/**
 * A module patch (a diff, a wake) has no health source: it succeeded when the module's tests (or
 * its entry point) pass at the next look, run on a copy as the sandbox does; failed when they fail
 * or the module is no longer active. Left for a later look when nothing can be run.
 */
async function measureModuleOutcome(deps: OutcomeDeps, patch: Patch, module: string): Promise<string | null> {
  const check = deps.sandbox.checkModule?.bind(deps.sandbox)
  if (!check) return null
  let after: { ok: boolean; ran: string; active: boolean }
  try {
    after = { ...(await check(module, deps.signal)), active: true }
  } catch (error) {
    const e = WardenError.from(error)
    if (e.code !== 'NOT_FOUND') return `${patch.id}: its module could not be checked now (${e.message}); measured at a later look`
    after = { ok: false, ran: 'nothing', active: false }
  }
  // Stopped by a shutdown: no verdict.
  if (deps.signal.aborted) return null
  if (after.active && after.ran === 'nothing') return `${patch.id}: ${module} has no tests and no entry point to run; its outcome cannot be measured`
  // Rolled back (or measured) while its tests ran: what they saw is not the patch's.
  const current = deps.store.find(patch.id)
  if (current?.status !== 'applied' || current.outcome !== null) return null
  const outcome = after.ok ? 'success' : 'failure'
  deps.store.recordOutcome(patch.id, deps.now(), outcome, deps.store.before(patch.id), after)
  deps.measured(patch.id, outcome)
  const why = !after.active ? `${module} is no longer active` : after.ok ? `${module}'s ${after.ran === 'tests' ? 'tests pass' : 'entry point loads'}` : `${module}'s ${after.ran === 'tests' ? 'tests fail' : 'entry point fails'}`
  return `${patch.id}: ${why} (${outcome})`
}

/** The module whose tests judge a patch's outcome (a diff, a wake); null for patches judged on health signals, or a hibernation (judged still in place). */
function moduleTestedAfter(patch: Patch): string | null {
  const c = patch.change
  if (c.kind === 'module-diff') return c.module
  if (c.kind === 'module-action' && (c.action === 'wake' || c.action === 'wake-version')) return c.module
  return null
}
