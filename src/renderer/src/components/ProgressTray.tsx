import { useProgressStore } from '../stores/progressStore'
import { ProgressBar } from './ProgressBar'

/** Long work in progress, fed by `operation.progress`. Quick calls finish before it fades in (CSS delay). */
export function ProgressTray() {
  const running = useProgressStore((s) => s.running)
  if (running.length === 0) return null
  return (
    <div className="progress-tray" data-testid="progress-tray">
      {running.map((r) => (
        <div key={r.callId} className="progress-item">
          <div className="progress-title">
            <span className="spinner" aria-hidden="true" />
            <strong>{r.label}</strong>
            {r.fraction !== null && <span className="muted">{Math.round(r.fraction * 100)}%</span>}
          </div>
          {r.message && <div className="progress-message">{r.message}</div>}
          <ProgressBar fraction={r.fraction} label={r.label} />
        </div>
      ))}
    </div>
  )
}
