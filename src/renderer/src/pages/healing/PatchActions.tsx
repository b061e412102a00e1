import { useState } from 'react'
import type { Patch } from '../../../../shared/contract/domains/healing'
import { runOperation } from '../../actions/runOperation'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { toastSuccess } from '../../stores/toastStore'
import { useHealingStore } from './healingStore'

type Asking = 'approve' | 'reject' | 'rollback' | null

/** Approve / Reject (with an optional reason) for a proposal, Roll back for an applied patch: each confirmed. */
export function PatchActions({ patch }: { patch: Patch }) {
  const [asking, setAsking] = useState<Asking>(null)
  const [reason, setReason] = useState('')
  const done = () => void useHealingStore.getState().refresh()
  const close = () => setAsking(null)
  return (
    <div className="patch-actions">
      {patch.status === 'proposed' && (
        <>
          <button type="button" className="button primary small" onClick={() => setAsking('approve')} data-testid="patch-approve">
            Approve
          </button>
          <button type="button" className="button small" onClick={() => setAsking('reject')} data-testid="patch-reject">
            Reject
          </button>
        </>
      )}
      {patch.status === 'applied' && (
        <button type="button" className="button small" onClick={() => setAsking('rollback')} data-testid="patch-rollback">
          Roll back
        </button>
      )}
      {asking === 'approve' && (
        <ConfirmDialog
          title={`Apply “${patch.title}”?`}
          confirmLabel="Apply"
          busyLabel="Applying…"
          testId="approve-dialog"
          onClose={close}
          onConfirm={async () => {
            const out = await runOperation('healing.approve', { id: patch.id }, { label: `Applying ${patch.id}` })
            done()
            if (!out.ok) return false
            if (out.value.status === 'applied') toastSuccess(`Applied ${patch.id}`, `${patch.title}. Roll it back from the Applied list if it does not help.`)
            return true
          }}
        >
          <p>The change is applied atomically and journalled; you can roll it back with one click.</p>
        </ConfirmDialog>
      )}
      {asking === 'reject' && (
        <ConfirmDialog
          title={`Reject “${patch.title}”?`}
          confirmLabel="Reject"
          busyLabel="Rejecting…"
          testId="reject-dialog"
          onClose={close}
          onConfirm={async () => {
            const out = await runOperation('healing.reject', { id: patch.id, reason: reason.trim() || undefined }, { label: `Rejecting ${patch.id}` })
            done()
            if (!out.ok) return false
            toastSuccess(`Rejected ${patch.id}`)
            return true
          }}
        >
          <p>Nothing is changed; the patch stays in the history as rejected.</p>
          <label className="field">
            <span>Reason (optional)</span>
            <input className="input" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} aria-label="Reason" />
          </label>
        </ConfirmDialog>
      )}
      {asking === 'rollback' && (
        <ConfirmDialog
          title={`Roll back “${patch.title}”?`}
          confirmLabel="Roll back"
          busyLabel="Rolling back…"
          danger
          testId="rollback-dialog"
          onClose={close}
          onConfirm={async () => {
            const out = await runOperation('healing.rollback', { id: patch.id }, { label: `Rolling back ${patch.id}` })
            done()
            if (!out.ok) return false
            toastSuccess(`Rolled back ${patch.id}`, 'What it changed is as it was before.')
            return true
          }}
        >
          <p>What this patch changed is put back as it was before it was applied (atomically, journalled).</p>
        </ConfirmDialog>
      )}
    </div>
  )
}
