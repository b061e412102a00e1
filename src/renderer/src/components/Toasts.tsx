import { useEffect } from 'react'
import { useToastStore, type Toast } from '../stores/toastStore'
import { Icon } from './Icon'

/** Successes fade after a few seconds; errors stay long enough to read the hint. */
const LIFETIME_MS = { success: 5000, info: 5000, warning: 10000, error: 15000 } as const

function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useToastStore((s) => s.dismiss)
  useEffect(() => {
    const timer = setTimeout(() => dismiss(toast.id), LIFETIME_MS[toast.kind])
    return () => clearTimeout(timer)
  }, [toast.id, toast.kind, dismiss])

  return (
    <div className={`toast toast-${toast.kind}`} role={toast.kind === 'error' || toast.kind === 'warning' ? 'alert' : 'status'} data-testid={`toast-${toast.kind}`}>
      <span className="toast-icon">
        <Icon name={toast.kind === 'error' || toast.kind === 'warning' ? 'alert' : toast.kind === 'success' ? 'check' : 'info'} />
      </span>
      <div className="toast-text">
        <strong>{toast.title}</strong>
        {toast.message && <p>{toast.message}</p>}
        {toast.hint && <p className="toast-hint">{toast.hint}</p>}
        {toast.link && (
          <a className="toast-link" href={toast.link.href} onClick={() => dismiss(toast.id)}>
            {toast.link.label}
          </a>
        )}
      </div>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
        <Icon name="close" size={14} />
      </button>
    </div>
  )
}

export function Toasts() {
  const toasts = useToastStore((s) => s.toasts)
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} />
      ))}
    </div>
  )
}
