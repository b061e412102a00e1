import { useState } from 'react'
import type { HealingStatus } from '../../../../shared/contract/domains/healing'
import { runOperation } from '../../actions/runOperation'
import { Icon } from '../../components/Icon'
import { ProgressBar } from '../../components/ProgressBar'
import { toastSuccess } from '../../stores/toastStore'
import { useHealingStore } from './healingStore'
import { timeAgo, timeFromNow } from './healingView'

/** The loop: running or not, its interval, last and next run; Start / Stop / Run now. */
export function LoopPanel({ status, now }: { status: HealingStatus; now: number }) {
  const [busy, setBusy] = useState<'start' | 'stop' | 'run' | null>(null)
  const refresh = () => void useHealingStore.getState().refresh()
  const toggle = async () => {
    setBusy(status.running ? 'stop' : 'start')
    const out = status.running ? await runOperation('healing.stop', {}, { label: 'Stopping the healing loop' }) : await runOperation('healing.start', {}, { label: 'Starting the healing loop' })
    setBusy(null)
    refresh()
    if (out.ok) toastSuccess(out.value.running ? 'Healing loop started' : 'Healing loop stopped', out.value.running ? `It looks at health every ${out.value.intervalMinutes} min.` : 'Proposals stay.')
  }
  const runNow = async () => {
    setBusy('run')
    const out = await runOperation('healing.runOnce', {}, { label: 'Running the healing loop' })
    setBusy(null)
    refresh()
    if (out.ok) {
      const { proposed, autoApplied, notes } = out.value
      toastSuccess(`Healing ran: ${proposed.length} proposed${autoApplied.length ? `, ${autoApplied.length} auto-applied` : ''}`, notes.slice(0, 3).join(' · ') || undefined)
    }
  }
  return (
    <section className="panel healing-loop" aria-labelledby="healing-loop-title" data-testid="healing-loop" data-running={status.running}>
      <header className="healing-section-head">
        <h2 id="healing-loop-title">Healing loop</h2>
        <span className={`badge ${status.running ? 'loop-running' : 'loop-stopped'}`} data-testid="healing-loop-state">
          {status.running ? 'Running' : 'Stopped'}
        </span>
      </header>
      <dl className="healing-facts">
        <dt>Every</dt>
        <dd>{status.intervalMinutes} min</dd>
        <dt>Last run</dt>
        <dd data-testid="healing-last-run">{status.lastRunAt ? timeAgo(status.lastRunAt, now) : 'never'}</dd>
        <dt>Next run</dt>
        <dd data-testid="healing-next-run">{status.running && status.nextRunAt ? timeFromNow(status.nextRunAt, now) : '—'}</dd>
        <dt>Patches</dt>
        <dd>
          {status.counts.proposed} pending · {status.counts.applied} applied · {status.counts.rolledBack} rolled back · {status.counts.rejected} rejected · success{' '}
          {status.counts.successRate === null ? '—' : `${Math.round(status.counts.successRate * 100)} %`}
        </dd>
      </dl>
      <div className="healing-buttons">
        <button type="button" className="button" onClick={() => void toggle()} disabled={busy !== null} data-testid="healing-toggle">
          <Icon name={status.running ? 'stop' : 'play'} size={14} /> {status.running ? 'Stop' : 'Start'}
        </button>
        <button type="button" className="button" onClick={() => void runNow()} disabled={busy !== null} data-testid="healing-run-now">
          <Icon name="restart" size={14} /> Run now
        </button>
      </div>
      {busy === 'run' && <ProgressBar fraction={null} label="Looking at health, evaluating patches" />}
    </section>
  )
}
