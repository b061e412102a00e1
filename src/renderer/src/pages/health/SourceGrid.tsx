import { memo } from 'react'
import type { SourceHealth } from '../../../../shared/contract/domains/health'
import { formatMs, formatPercent, formatAge } from './healthView'
import { MetricInfo } from './MetricInfo'
import { StatusBadge } from './StatusBadge'

const KIND: Record<SourceHealth['kind'], string> = { persona: 'persona', model: 'model worker', external: 'external system' }

const fixed = (v: number | null | undefined, digits: number) => (v == null ? '—' : v.toFixed(digits))

const SourceRow = memo(function SourceRow({ source: s, selected, now, onSelect }: { source: SourceHealth; selected: boolean; now: number; onSelect(source: string): void }) {
  const l = s.latest
  return (
    <tr className={`health-row status-${s.status}${selected ? ' selected' : ''}`} data-testid={`health-source-${s.source}`} data-status={s.status}>
      <th scope="row">
        <button type="button" className="link-button health-source-name" aria-pressed={selected} aria-label={`Show ${s.source}`} onClick={() => onSelect(s.source)}>
          {s.source}
        </button>
        <div className="subtle-line">{KIND[s.kind]}</div>
      </th>
      <td>
        <StatusBadge status={s.status} />
      </td>
      <td className="num mono" data-testid="health-phi">{fixed(l?.phi, 2)}</td>
      <td className="num mono">{fixed(l?.kappa, 1)}</td>
      <td className="num mono">{l?.drift == null ? (s.baseline ? '—' : 'no baseline') : `${l.drift.toFixed(2)} rad`}</td>
      <td className="num mono">{l?.errorRate == null ? '—' : formatPercent(l.errorRate)}</td>
      <td className="num mono">{l?.latencyMs == null ? '—' : formatMs(l.latencyMs)}</td>
      <td className="num" title={l ? new Date(l.at).toLocaleString() : undefined}>{formatAge(l?.at, now)}</td>
      <td>
        <span className={`health-regime regime-${s.regime}`}>{s.regime}</span>
      </td>
    </tr>
  )
})

/** Every source in one table, worst first: status (colour and word) and the latest figures; a row's name selects its charts. */
export function SourceGrid({ sources, selected, now, onSelect }: { sources: SourceHealth[]; selected: string | null; now: number; onSelect(source: string): void }) {
  return (
    <div className="panel table-panel">
      <table className="table health-table" aria-label="Health sources">
        <thead>
          <tr>
            <th>Source</th>
            <th>
              Status <MetricInfo what="status" />
            </th>
            <th className="num">
              Φ <MetricInfo what="phi" />
            </th>
            <th className="num">
              κ_eff <MetricInfo what="kappa" />
            </th>
            <th className="num">
              Drift <MetricInfo what="drift" />
            </th>
            <th className="num">
              Errors <MetricInfo what="errorRate" />
            </th>
            <th className="num">
              Latency <MetricInfo what="latency" />
            </th>
            <th className="num">
              Last snapshot <MetricInfo what="age" />
            </th>
            <th>
              Regime <MetricInfo what="regime" />
            </th>
          </tr>
        </thead>
        <tbody>
          {sources.map((s) => (
            <SourceRow key={s.source} source={s} selected={s.source === selected} now={now} onSelect={onSelect} />
          ))}
        </tbody>
      </table>
    </div>
  )
}
