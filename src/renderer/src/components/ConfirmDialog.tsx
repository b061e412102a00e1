import { useState, type ReactNode } from 'react'
import { Dialog } from './Dialog'

interface ConfirmDialogProps {
  title: string
  children: ReactNode
  /** The button that does it, e.g. "Kill worker". */
  confirmLabel: string
  /** Shown on the button while it runs, e.g. "Killing…". */
  busyLabel?: string
  /** Red button for what cannot be undone. */
  danger?: boolean
  /** Resolves to whether to close (false keeps the dialog open, e.g. after an error toast). */
  onConfirm(): Promise<boolean>
  onClose(): void
  testId?: string
}

/** "Are you sure?" with what will happen. Escape cancels; focus starts on Cancel when it is destructive. */
export function ConfirmDialog({ title, children, confirmLabel, busyLabel, danger, onConfirm, onClose, testId }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false)
  const confirm = async () => {
    setBusy(true)
    if (await onConfirm()) onClose()
    else setBusy(false)
  }
  return (
    <Dialog
      title={title}
      onClose={onClose}
      testId={testId}
      footer={
        <>
          {/* What cannot be undone starts on Cancel, so a stray Enter does nothing harmful. */}
          <button type="button" className="button" onClick={onClose} data-autofocus={danger ? true : undefined}>
            Cancel
          </button>
          <button type="button" className={`button primary${danger ? ' danger' : ''}`} disabled={busy} onClick={() => void confirm()} data-autofocus={danger ? undefined : true}>
            {busy ? (busyLabel ?? `${confirmLabel}…`) : confirmLabel}
          </button>
        </>
      }
    >
      <div className="confirm-body">{children}</div>
    </Dialog>
  )
}
