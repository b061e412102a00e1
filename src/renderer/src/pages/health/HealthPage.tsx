import { useEffect, useState } from 'react'
import { ErrorCallout } from '../../components/ErrorCallout'
import { Icon } from '../../components/Icon'
import { useNow } from '../../hooks/useNow'
import { plural } from '../../lib/inferenceFormat'
import { BaselineDialog } from './BaselineDialog'
import { DegradationList } from './DegradationList'
import { HealthCharts } from './HealthCharts'
import { useHealthStore } from './healthStore'
import { bySeverity, formatAge } from './healthView'
import { SourceGrid } from './SourceGrid'
import { StatusBadge } from './StatusBadge'

function EmptyState() {
  return (
    <div className="panel empty-state wide" data-testid="health-empty">
      <Icon name="health" size={30} />
      <strong>No health sources yet</strong>
      <span>
        A persona appears here after its first chats, and a model’s worker once it has generated. An external system appears when it sends a snapshot:{' '}
        <code className="mono">POST /api/self-healing/snapshot</code> on the headless server, with its token (<code className="mono">Authorization: Bearer …</code>).
      </span>
      <a className="button small" href="#personas">
        <Icon name="personas" size={14} /> Talk to a persona
      </a>
    </div>
  )
}

/** Health of every persona, model worker and external system: a status grid, active issues, and the selected source's charts. */
export function HealthPage() {
  const loaded = useHealthStore((s) => s.loaded)
  const summary = useHealthStore((s) => s.summary)
  const error = useHealthStore((s) => s.error)
  const selected = useHealthStore((s) => s.selected)
  const refresh = useHealthStore((s) => s.refresh)
  const select = useHealthStore((s) => s.select)
  const now = useNow(5000)
  const [baselineFor, setBaselineFor] = useState<string | null>(null)

  useEffect(() => {
    void refresh()
  }, [refresh])

  const sources = summary ? [...summary.sources].sort(bySeverity) : []
  const current = sources.find((s) => s.source === selected) ?? null

  return (
    <div className="inference-page health-page" data-testid="health-page">
      <div className="page-toolbar">
        <p className="muted toolbar-summary" data-testid="health-summary">
          {summary ? (
            <>
              Overall <StatusBadge status={summary.status} /> · {plural(sources.length, 'source')}
            </>
          ) : (
            '\u00a0'
          )}
        </p>
      </div>
      {error && <ErrorCallout error={error} className="page-callout" icon />}
      {!loaded ? (
        <div className="loading-board" aria-busy="true">
          <span className="spinner" /> Loading health…
        </div>
      ) : (
        summary && (
          <div className="page-scroll">
            {sources.length === 0 ? (
              <EmptyState />
            ) : (
              <>
                <SourceGrid sources={sources} selected={selected} now={now} onSelect={select} />
                <DegradationList sources={sources} now={now} onSelect={select} />
                {current && (
                  <section className="panel health-detail" aria-labelledby="health-detail-title" data-testid="health-detail">
                    <header className="health-detail-header">
                      <div>
                        <h2 id="health-detail-title">{current.source}</h2>
                        <p className="muted">
                          <StatusBadge status={current.status} /> · regime {current.regime} ·{' '}
                          <span data-testid="health-baseline">
                            {current.baseline ? `baseline set ${formatAge(current.baseline.setAt, now)} (${current.baseline.from})` : 'no baseline yet'}
                          </span>
                        </p>
                      </div>
                      <button type="button" className="button" onClick={() => setBaselineFor(current.source)} disabled={current.windowSize === 0}>
                        Set baseline
                      </button>
                    </header>
                    <HealthCharts source={current.source} />
                  </section>
                )}
              </>
            )}
          </div>
        )
      )}
      {baselineFor && <BaselineDialog source={baselineFor} windowSize={current?.windowSize ?? 0} onClose={() => setBaselineFor(null)} />}
    </div>
  )
}
