import type { Patch } from '../../../../shared/contract/domains/healing'
import { DiffView } from './DiffView'
import { FitnessBar } from './FitnessBar'
import { timeAgo } from './healingView'
import { PatchActions } from './PatchActions'

const statusLabel: Record<Patch['status'], string> = {
  evaluating: 'Evaluating',
  proposed: 'Pending',
  applying: 'Applying',
  applied: 'Applied',
  rejected: 'Rejected',
  'rolled-back': 'Rolled back',
  failed: 'Failed',
}

/** One patch: what and why, its fitness broken into its parts, its diff, the sandbox's log, and what a person can do. */
export function PatchCard({ patch, threshold, now }: { patch: Patch; threshold: number | null; now: number }) {
  return (
    <article className={`panel patch-card status-${patch.status}`} data-testid={`patch-${patch.id}`} data-status={patch.status} aria-labelledby={`${patch.id}-title`}>
      <header className="patch-head">
        <div>
          <h3 id={`${patch.id}-title`}>{patch.title}</h3>
          <p className="muted">
            <span className={`badge patch-status status-${patch.status}`} data-testid="patch-status">
              {statusLabel[patch.status]}
            </span>{' '}
            <span className="mono">{patch.id}</span> · {patch.strategy} · {patch.source} · {timeAgo(patch.createdAt, now)}
            {patch.decidedBy && <> · decided by {patch.decidedBy}</>}
            {patch.outcome && <> · outcome: {patch.outcome}</>}
          </p>
        </div>
        <PatchActions patch={patch} />
      </header>
      {patch.error && <p className="callout danger">{patch.error}</p>}
      <p className="patch-rationale">{patch.rationale}</p>
      <FitnessBar fitness={patch.fitness} threshold={threshold} />
      <DiffView diff={patch.diff} />
      <details className="patch-log" data-testid="patch-log">
        <summary>Sandbox log</summary>
        <pre className="mono">{patch.sandboxLog.trim() || 'Nothing was logged.'}</pre>
      </details>
    </article>
  )
}
