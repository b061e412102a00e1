import { useEffect } from 'react'
import type { Strategy } from '../../../../shared/contract/domains/healing'
import { ErrorCallout } from '../../components/ErrorCallout'
import { Icon } from '../../components/Icon'
import { useNow } from '../../hooks/useNow'
import { useSettingsStore } from '../../stores/settingsStore'
import { AutoApplyPanel } from './AutoApplyPanel'
import { DecisionsList } from './DecisionsList'
import { GatesChecklist } from './GatesChecklist'
import { useHealingStore, type QueueView } from './healingStore'
import { filterChoices, filterPatches } from './healingView'
import { LoopPanel } from './LoopPanel'
import { PatchCard } from './PatchCard'
import { ToolsPanel } from './ToolsPanel'

const views: Array<[QueueView, string]> = [
  ['pending', 'Pending'],
  ['applied', 'Applied'],
  ['all', 'All'],
]

/** The apply threshold from the settings (null until they are loaded). */
function useThreshold(): number | null {
  const loaded = useSettingsStore((s) => s.loaded)
  const value = useSettingsStore((s) => s.rows.find((r) => r.key === 'healingApplyThreshold')?.value)
  useEffect(() => {
    if (!loaded) void useSettingsStore.getState().refresh()
  }, [loaded])
  return typeof value === 'number' ? value : null
}

function Queue({ now }: { now: number }) {
  const patches = useHealingStore((s) => s.patches)
  const view = useHealingStore((s) => s.view)
  const source = useHealingStore((s) => s.source)
  const strategy = useHealingStore((s) => s.strategy)
  const { setView, setSource, setStrategy } = useHealingStore.getState()
  const threshold = useThreshold()
  const choices = filterChoices(patches)
  const shown = filterPatches(patches, { source, strategy })
  return (
    <section className="healing-queue" aria-labelledby="healing-queue-title" data-testid="healing-queue">
      <header className="healing-queue-head">
        <h2 id="healing-queue-title">Patches</h2>
        <div className="segmented" role="tablist" aria-label="Which patches">
          {views.map(([v, label]) => (
            <button key={v} type="button" role="tab" aria-selected={view === v} className={`button small${view === v ? ' primary' : ''}`} onClick={() => setView(v)} data-testid={`healing-view-${v}`}>
              {label}
            </button>
          ))}
        </div>
        <select className="input" aria-label="Source" value={source ?? ''} onChange={(e) => setSource(e.target.value || null)}>
          <option value="">every source</option>
          {choices.sources.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select className="input" aria-label="Strategy" value={strategy ?? ''} onChange={(e) => setStrategy((e.target.value || null) as Strategy | null)}>
          <option value="">every strategy</option>
          {choices.strategies.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </header>
      {shown.length === 0 ? (
        <div className="panel empty-state" data-testid="healing-queue-empty">
          <Icon name="shield" size={26} />
          <strong>{view === 'pending' ? 'Nothing waits for review' : view === 'applied' ? 'No applied patches' : 'No patches yet'}</strong>
          <span>The loop proposes patches when health signals call for one; you can also evaluate a diff of your own below.</span>
        </div>
      ) : (
        shown.map((p) => <PatchCard key={p.id} patch={p} threshold={threshold} now={now} />)
      )}
    </section>
  )
}

/** Self-healing: the proposal queue a person reviews, the loop, the phase gates, auto-apply and the supervisor's decisions. */
export function HealingPage() {
  const loaded = useHealingStore((s) => s.loaded)
  const error = useHealingStore((s) => s.error)
  const status = useHealingStore((s) => s.status)
  const decisions = useHealingStore((s) => s.decisions)
  const refresh = useHealingStore((s) => s.refresh)
  const now = useNow(5000)

  useEffect(() => {
    void refresh()
  }, [refresh])

  return (
    <div className="inference-page healing-page" data-testid="healing-page">
      <div className="page-toolbar">
        <p className="muted toolbar-summary" data-testid="healing-summary">
          {status ? `${status.counts.proposed} pending · ${status.counts.applied} applied · loop ${status.running ? 'running' : 'stopped'}` : '\u00a0'}
        </p>
      </div>
      {error && <ErrorCallout error={error} className="page-callout" icon />}
      {!loaded ? (
        <div className="loading-board" aria-busy="true">
          <span className="spinner" /> Loading healing…
        </div>
      ) : (
        status && (
          <div className="page-scroll healing-layout">
            <div className="healing-main">
              <Queue now={now} />
              <ToolsPanel />
            </div>
            <aside className="healing-side">
              <LoopPanel status={status} now={now} />
              <GatesChecklist gates={status.gates} />
              <AutoApplyPanel status={status} />
              <DecisionsList decisions={decisions} now={now} />
            </aside>
          </div>
        )
      )}
    </div>
  )
}
