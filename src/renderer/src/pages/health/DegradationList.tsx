import type { HealthIssue, SourceHealth } from '../../../../shared/contract/domains/health'
import { Icon } from '../../components/Icon'
import { formatAge } from './healthView'

const METRIC: Record<HealthIssue['metric'], string> = { phi_low: 'Φ low', phi_high: 'Φ high', drift: 'basin drift', error_rate: 'error rate', latency: 'latency' }

/** Every active issue of every source, worst first: what crossed which threshold, since when, and the monitor's message. */
export function DegradationList({ sources, now, onSelect }: { sources: SourceHealth[]; now: number; onSelect(source: string): void }) {
  const issues = sources
    .flatMap((s) => s.issues.map((issue) => ({ source: s.source, issue })))
    .sort((a, b) => (a.issue.severity === b.issue.severity ? a.issue.since - b.issue.since : a.issue.severity === 'critical' ? -1 : 1))
  return (
    <section className="panel health-degradation" aria-labelledby="degradation-title" data-testid="health-degradation">
      <h2 id="degradation-title">Active issues</h2>
      {issues.length === 0 ? (
        <p className="muted" data-testid="health-no-issues">
          No source is degraded.
        </p>
      ) : (
        <ul className="health-issues">
          {issues.map(({ source, issue }) => (
            <li key={`${source}-${issue.metric}`} className={`health-issue severity-${issue.severity}`} data-testid={`health-issue-${source}`}>
              <Icon name="alert" size={15} />
              <div>
                <div>
                  <button type="button" className="link-button" onClick={() => onSelect(source)} aria-label={`Show ${source}’s charts`}>
                    {source}
                  </button>{' '}
                  <span className={`badge health-status status-${issue.severity}`}>{issue.severity}</span> <span className="muted">{METRIC[issue.metric]} · since {formatAge(issue.since, now)}</span>
                </div>
                <p>{issue.message}</p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
