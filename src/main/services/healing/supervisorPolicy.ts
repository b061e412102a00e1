import type { PatchChange, SupervisorDecision } from '../../../shared/contract/domains/healing'
import type { HibernatedVersion } from '../../../shared/contract/schemas'

/**
 * The supervisor's rules (the seeds' Ares), as pure functions: what to do with a module failure,
 * which hibernated modules to review, and what a review's test run means. Each plan carries its
 * reasons in words; the supervisor stores them with the decision.
 */

const HOUR = 3_600_000

/** A module that failed again within this time of a proposal about it is not proposed again (the proposal waits for a person). */
export const REPEAT_WINDOW_MS = 6 * HOUR

/** The error type of a module check stopped at its time limit. */
export const CHECK_TIMEOUT = 'CheckTimeout'

export interface FailureFacts {
  name: string
  error: { type: string; message: string }
  /** The active module, or null when none of that name is active. */
  active: { dependents: string[] } | null
  /** Its newest hibernated version, when it is not active. */
  hibernated: { at: number; by: string; reason: string } | null
  /** The setting `aresAutoHibernate`. */
  autoHibernate: boolean
  /** The last proposal about this module (stored decision), if any. */
  lastProposal: { at: number; patchId: string | null } | null
  now: number
}

export type FailurePlan =
  | { action: 'hibernate'; reasons: string[] }
  | { action: 'propose'; change: PatchChange; title: string; reasons: string[] }
  | { action: 'ignore'; reasons: string[] }
  /** No such module at all: bad input, nothing is stored. */
  | { action: 'unknown'; reasons: string[] }

const ago = (ms: number) => (ms < HOUR ? `${Math.max(1, Math.round(ms / 60_000))} min` : `${+(ms / HOUR).toFixed(1)} h`)

export function planForFailure(f: FailureFacts): FailurePlan {
  const failed = `${f.name} failed: ${f.error.type}: ${firstLine(f.error.message)}`
  if (!f.active) {
    if (f.hibernated) {
      return { action: 'ignore', reasons: [failed, `it is already hibernated (${ago(f.now - f.hibernated.at)} ago, by ${f.hibernated.by}, reason ${f.hibernated.reason}): nothing runs it now`] }
    }
    return { action: 'unknown', reasons: [`no module named ${f.name} is active or hibernated in this workspace`] }
  }
  if (f.lastProposal && f.now - f.lastProposal.at < REPEAT_WINDOW_MS) {
    return {
      action: 'ignore',
      reasons: [
        failed,
        `a proposal about it was made ${ago(f.now - f.lastProposal.at)} ago${f.lastProposal.patchId ? ` (${f.lastProposal.patchId})` : ''} and waits for a person; not proposed again within ${REPEAT_WINDOW_MS / HOUR} h`,
      ],
    }
  }
  const dependents = f.active.dependents
  if (dependents.length > 0) {
    return {
      action: 'propose',
      change: { kind: 'module-action', module: f.name, action: 'hibernate-tree' },
      title: `Hibernate ${f.name} and its ${dependents.length} dependent(s)`,
      reasons: [
        failed,
        `active modules depend on it: ${dependents.join(', ')}`,
        'hibernating it alone would break them, so hibernating the whole tree is proposed for a person to decide',
      ],
    }
  }
  if (f.error.type === CHECK_TIMEOUT) {
    return {
      action: 'propose',
      change: { kind: 'module-action', module: f.name, action: 'hibernate' },
      title: `Hibernate ${f.name} (its check ran out of time)`,
      reasons: [failed, 'no active module depends on it', 'its check ran out of time (healingSandboxTimeoutSeconds): slow is not necessarily broken, so a person decides'],
    }
  }
  if (!f.autoHibernate) {
    return {
      action: 'propose',
      change: { kind: 'module-action', module: f.name, action: 'hibernate' },
      title: `Hibernate ${f.name} (failing, nothing depends on it)`,
      reasons: [failed, 'no active module depends on it', 'the supervisor does not hibernate on its own (setting aresAutoHibernate is off): proposed for a person to decide'],
    }
  }
  return {
    action: 'hibernate',
    reasons: [failed, 'no active module depends on it: an isolated failure', 'hibernated at once (setting aresAutoHibernate); lossless, and woken with `warden module wake`'],
  }
}

/** A hibernated module the review looks at: a failure (an error recorded, or reason runtime-failure) older than the review age, not reviewed yet in this version. */
export function reviewCandidates(
  versions: readonly HibernatedVersion[],
  reviewed: ReadonlySet<string>,
  now: number,
  afterHours: number,
): HibernatedVersion[] {
  return versions.filter(
    (v) =>
      v.wokenAt === null &&
      v.restorable &&
      (v.error !== undefined || v.reason === 'runtime-failure') &&
      now - v.hibernatedAt > afterHours * HOUR &&
      !reviewed.has(reviewKey(v.name, v.hibernatedAt)),
  )
}

export const reviewKey = (name: string, hibernatedAt: number) => `${name}@${hibernatedAt}`

export interface ReviewRun {
  ok: boolean
  ran: 'tests' | 'entry' | 'nothing'
  output: string
  /** Why it stopped, when its output does not say (the last line of `output` then). */
  stopped?: string | null
}

/** A failed run in one line: the last thing it printed, and how it stopped ("… (exited with code 1)"). */
export function failureLine(run: { output: string; stopped?: string | null }): string {
  const printed = run.stopped && run.output.endsWith(run.stopped) ? run.output.slice(0, -run.stopped.length) : run.output
  const line = lastLine(printed)
  return run.stopped ? `${line} (${run.stopped})` : line
}

export type ReviewPlan = { action: 'propose-wake'; reasons: string[] } | { action: 'keep'; reasons: string[] }

/** What a review's run of a hibernated module (from its archive, against today's workspace) means. */
export function planForReview(v: HibernatedVersion, run: ReviewRun, now: number): ReviewPlan {
  const hibernated = `${v.name} was hibernated ${ago(now - v.hibernatedAt)} ago (reason ${v.reason}${v.error ? `: ${v.error.type}: ${firstLine(v.error.message)}` : ''})`
  if (run.ran === 'nothing') return { action: 'keep', reasons: [hibernated, run.ok ? 'its archive holds no tests and no entry point to load: nothing shows it works now' : failureLine(run)] }
  const what = run.ran === 'tests' ? 'its tests' : 'loading its entry point'
  if (!run.ok) return { action: 'keep', reasons: [hibernated, `${what}, run from its archive against today’s workspace, still fail${run.ran === 'entry' ? 's' : ''}: ${failureLine(run)}`] }
  return {
    action: 'propose-wake',
    reasons: [hibernated, `${what}, run from its archive against today’s workspace, now pass${run.ran === 'entry' ? 'es' : ''}`, 'it might work now: waking it is proposed (low risk: it can be hibernated again)'],
  }
}

/** What the supervisor's persona is asked about a decision (its answer is advisory). */
export function assessmentPrompt(decision: Pick<SupervisorDecision, 'module' | 'action' | 'reasons'>, detail: string | null): string {
  return [
    `You are the supervisor of a modular codebase. In three sentences at most, assess this decision about the module "${decision.module}" for the person who reviews it: is it sound, what is the risk, what should they check first?`,
    `Decision: ${decision.action}.`,
    `Reasons: ${decision.reasons.join('; ')}.`,
    ...(detail ? [`Details: ${detail.slice(0, 2000)}`] : []),
  ].join('\n')
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim()) ?? ''
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}

function lastLine(s: string): string {
  const lines = s.split('\n').filter((l) => l.trim())
  return firstLine(lines[lines.length - 1] ?? '(no output)')
}
