import type { SupervisorDecision } from '../../../../shared/contract/domains/healing'
import { timeAgo } from './healingView'

const actionLabel: Record<SupervisorDecision['action'], string> = { hibernated: 'Hibernated', proposed: 'Proposed', ignored: 'Nothing done', reviewed: 'Reviewed' }

/** The supervisor's decisions (rule-based), newest first, each with its reasons and any persona's assessment. */
export function DecisionsList({ decisions, now }: { decisions: SupervisorDecision[]; now: number }) {
  return (
    <section className="panel healing-decisions" aria-labelledby="healing-decisions-title" data-testid="healing-decisions">
      <h2 id="healing-decisions-title">Supervisor decisions</h2>
      {decisions.length === 0 ? (
        <p className="muted">No decisions yet. Module failures reported by the running system (<code className="mono">warden module report-error</code>) or found by <code className="mono">warden module check</code> appear here.</p>
      ) : (
        <ul className="decision-list">
          {decisions.map((d, i) => (
            <li key={`${d.at}-${d.module}-${i}`} className={`decision action-${d.action}`}>
              <strong>
                {actionLabel[d.action]} {d.module}
              </strong>{' '}
              <span className="muted">{timeAgo(d.at, now)}{d.patchId && <> · patch <span className="mono">{d.patchId}</span></>}</span>
              <ul>
                {d.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
              {d.assessment && <blockquote className="decision-assessment">{d.assessment}</blockquote>}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
