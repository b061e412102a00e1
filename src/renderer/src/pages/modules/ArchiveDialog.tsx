import { useState } from 'react'
import { archiveOlderThan } from '../../actions/moduleActions'
import { Dialog } from '../../components/Dialog'

/** Move old hibernations to the long-term archive (they stay wakeable). */
export function ArchiveDialog({ onClose }: { onClose(): void }) {
  const [days, setDays] = useState('30')
  const [busy, setBusy] = useState(false)
  const valid = days.trim() !== '' && Number.isFinite(Number(days)) && Number(days) >= 0

  const submit = async () => {
    setBusy(true)
    if (await archiveOlderThan(Number(days))) onClose()
    else setBusy(false)
  }

  return (
    <Dialog
      title="Archive old hibernations"
      onClose={onClose}
      testId="archive-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="archive-form" className="button primary" disabled={busy || !valid}>
            {busy ? 'Archiving…' : 'Archive'}
          </button>
        </>
      }
    >
      <form
        id="archive-form"
        onSubmit={(e) => {
          e.preventDefault()
          if (valid) void submit()
        }}
      >
        <p className="muted">Hibernations older than this move from the workspace to the long-term archive in the home folder. Archived modules can still be woken.</p>
        <label className="field">
          <span>Older than (days)</span>
          <input className="input" type="number" min={0} value={days} onChange={(e) => setDays(e.target.value)} aria-label="Older than (days)" />
        </label>
      </form>
    </Dialog>
  )
}
