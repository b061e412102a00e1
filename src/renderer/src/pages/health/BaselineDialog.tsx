import { useState } from 'react'
import { runOperation } from '../../actions/runOperation'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { toastSuccess } from '../../stores/toastStore'
import { useHealthStore } from './healthStore'

/** How many of the latest snapshots the baseline may be built from; "all" is every one in the detection window. */
const CHOICES = [5, 20, 100] as const

/**
 * "Set baseline" for a source, confirmed: drift is measured from the new baseline from now on. The
 * person picks how many of the latest snapshots it averages.
 */
export function BaselineDialog({ source, windowSize, onClose }: { source: string; windowSize: number; onClose(): void }) {
  const [choice, setChoice] = useState<string>('all')
  return (
    <ConfirmDialog
      title={`Set ${source}’s baseline?`}
      confirmLabel="Set baseline"
      busyLabel="Setting…"
      testId="baseline-dialog"
      onClose={onClose}
      onConfirm={async () => {
        const fromLast = choice === 'all' ? undefined : Number(choice)
        const out = await runOperation('health.baseline', { source, fromLast }, { label: `Setting ${source}’s baseline` })
        if (!out.ok) return false
        toastSuccess(`${source}’s baseline is set`, `From ${out.value.snapshots} snapshot${out.value.snapshots === 1 ? '' : 's'}; drift is measured from it now.`)
        void useHealthStore.getState().refresh()
        void useHealthStore.getState().refreshHistory()
        return true
      }}
    >
      <p>Basin drift is the distance of each new snapshot from the baseline. Set it when the source behaves as it should, e.g. after a deliberate change.</p>
      <label className="field">
        <span>Build it from</span>
        <select className="input" aria-label="Snapshots for the baseline" value={choice} onChange={(e) => setChoice(e.target.value)}>
          <option value="all">all {windowSize} snapshots in the detection window</option>
          {CHOICES.filter((n) => n < windowSize).map((n) => (
            <option key={n} value={String(n)}>
              the last {n} snapshots
            </option>
          ))}
        </select>
      </label>
    </ConfirmDialog>
  )
}
