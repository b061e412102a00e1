import type { PatchDraft, StrategyFn } from '../types'
import { findPersona, issueOf, modelOf, notPending, pct, personaOf, when, workerOf } from './signals'

/**
 * Error-spike handling (seed 003, strategy 5): a source whose share of failed generations is
 * above `healthErrorRateMax` gets its model's worker restarted; a quarantined worker (crashed too
 * often) is restarted too, which lifts the quarantine. Failing modules are the supervisor's
 * (`module report-error`, `module check`), not this strategy's.
 */
export const errorSpike: StrategyFn = async (ctx) => {
  const drafts: PatchDraft[] = []
  for (const source of ctx.summary.sources) {
    const issue = issueOf(source, 'error_rate')
    if (!issue) continue
    const persona = personaOf(source.source)
    const model = modelOf(source.source) ?? (persona ? findPersona(ctx, persona)?.model ?? null : null)
    if (!model) continue
    const worker = workerOf(ctx.workers, model)
    const id = worker?.modelId ?? model
    const facts: string[] = [`${source.source}: ${pct(issue.value)} of generations failed, above ${pct(issue.threshold)}, since ${when(issue.since)} (${issue.severity}).`]
    if (worker) {
      facts.push(`Its worker (${worker.modelId}, state ${worker.state}) has crashed ${worker.crashes} time(s) and restarted ${worker.restarts} time(s).`)
      if (worker.lastError) facts.push(`Last error: ${worker.lastError}.`)
    } else facts.push(`No worker holds ${model} now; a restart loads it on a fresh process.`)
    facts.push(
      worker?.state === 'quarantined'
        ? 'It is quarantined (it crashed too often to be restarted on its own): a restart lifts the quarantine and loads it on a fresh process.'
        : 'A restart stops the process and loads the model on a fresh one, clearing a worker left in a bad state.',
    )
    drafts.push({
      source: source.source,
      strategy: 'error-spike',
      title: `Restart the worker of ${id}${worker?.state === 'quarantined' ? ' (lifts its quarantine)' : ''}`,
      rationale: facts.join(' '),
      change: { kind: 'worker-action', model: id, action: 'restart' },
    })
  }
  // A persona and its model failing together propose one restart (the first source's).
  return notPending(ctx, drafts)
}
