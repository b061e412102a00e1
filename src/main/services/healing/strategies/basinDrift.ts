import type { CheckpointInfo } from '../../../../shared/contract/domains/checkpoints'
import type { SourceHealth } from '../../../../shared/contract/domains/health'
import type { PatchDraft, StrategyFn } from '../types'
import { findPersona, HOUR, hours, hoursToReach, issueOf, n2, notPending, overWindow, perHour, personaOf, TREND_HORIZON_HOURS, trendOf, when } from './signals'

/**
 * Basin-drift correction (seed 003, strategy 1): a persona whose answers drift away from its
 * baseline basin past `healthDriftMax`, or toward it within the trend horizon, is restored to the
 * checkpoint made before the drift began that is closest in time to the baseline. A checkpoint
 * holds the persona's conversation, system prompt and settings, so restoring it also reverts the
 * settings changed since then. Warden keeps no history of persona settings, so without such a
 * checkpoint there is no earlier value to revert to, and nothing is proposed.
 */
export const basinDrift: StrategyFn = async (ctx) => {
  const drafts: PatchDraft[] = []
  for (const source of ctx.summary.sources) {
    const persona = personaOf(source.source)
    if (!persona) continue
    const drifting = driftOf(source, ctx.settings.healthDriftMax)
    if (!drifting) continue
    const checkpoints = await ctx.checkpoints(persona)
    const chosen = checkpointBefore(checkpoints, drifting.began, source.baseline?.setAt ?? null)
    if (!chosen) continue
    // When the persona (settings, system prompt, model) last changed, against the baseline and the checkpoint.
    const updatedAt = findPersona(ctx, persona)?.updatedAt ?? null
    const changed =
      updatedAt !== null && updatedAt > chosen.createdAt
        ? ` ${persona} was last changed (settings, system prompt or model) ${when(updatedAt)}${source.baseline && updatedAt > source.baseline.setAt ? ', after the baseline' : ''}: the checkpoint reverts that change.`
        : ''
    drafts.push({
      source: source.source,
      strategy: 'basin-drift',
      title: `Restore ${persona} to checkpoint ${chosen.label ?? chosen.id} (before its drift)`,
      rationale: [
        drifting.why,
        `Drift began about ${when(drifting.began)} (${drifting.beganHow}).`,
        `Checkpoint ${chosen.id}${chosen.label ? ` “${chosen.label}”` : ''} was made ${when(chosen.createdAt)}, before that` +
          (source.baseline ? `, and is the closest of ${checkpoints.filter((c) => c.createdAt <= drifting.began).length} such checkpoint(s) to the baseline set ${when(source.baseline.setAt)}` : '') +
          '. Restoring it puts back its conversation, system prompt and settings as they were then.' +
          changed,
      ].join(' '),
      change: { kind: 'persona', persona, checkpoint: chosen.id },
    })
  }
  return notPending(ctx, drafts)
}

const rad = (x: number) => `${n2(x)} rad`

interface Drifting {
  /** The signal in words. */
  why: string
  /** When the drift began (estimated): checkpoints after it carry the drift. */
  began: number
  beganHow: string
}

/** Whether the source drifts past the threshold or toward it, and since when. */
export function driftOf(source: SourceHealth, driftMax: number): Drifting | null {
  const latest = source.latest
  if (!latest || latest.drift === null) return null
  const slope = trendOf(source, 'drift')
  const issue = issueOf(source, 'drift')
  const eta = hoursToReach(latest.drift, slope, driftMax, 'above')
  let why: string
  if (issue) why = `Basin drift ${n2(issue.value)} rad is above ${n2(driftMax)} rad since ${when(issue.since)} (${issue.severity}).`
  else if (eta !== null && eta > 0 && eta <= TREND_HORIZON_HOURS) {
    why = `Basin drift ${n2(latest.drift)} rad is rising ${perHour(slope!, rad)} over ${overWindow(source)} and reaches ${n2(driftMax)} rad in about ${hours(eta)}.`
  } else return null
  // Where the trend rises, the drift left ~0 about drift/slope hours before the latest snapshot.
  const byTrend = slope !== null && slope > 0 ? latest.at - (latest.drift / slope) * HOUR : null
  const candidates: Array<[number, string]> = []
  if (byTrend !== null && Number.isFinite(byTrend)) candidates.push([byTrend, `its trend of ${perHour(slope!, rad)} traced back to 0`])
  if (issue) candidates.push([issue.since, 'when it crossed the threshold'])
  if (!candidates.length) return null
  const [began, beganHow] = candidates.reduce((a, b) => (b[0] < a[0] ? b : a))
  return { why, began, beganHow }
}

/**
 * Of the checkpoints made before `began`, the one closest in time to the baseline (the basin it is
 * measured from); without a baseline, the newest of them.
 */
export function checkpointBefore(checkpoints: readonly CheckpointInfo[], began: number, baselineAt: number | null): CheckpointInfo | null {
  const before = checkpoints.filter((c) => c.createdAt <= began)
  if (!before.length) return null
  if (baselineAt === null) return before.reduce((a, b) => (b.createdAt > a.createdAt ? b : a))
  return before.reduce((a, b) => (Math.abs(b.createdAt - baselineAt) < Math.abs(a.createdAt - baselineAt) ? b : a))
}
