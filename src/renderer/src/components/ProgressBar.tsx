/** A thin bar; `fraction` null shows an indeterminate sweep. */
export function ProgressBar({ fraction, label }: { fraction: number | null; label: string }) {
  return (
    <div
      className={`progress-bar${fraction === null ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}
    >
      <div className="progress-fill" style={fraction === null ? undefined : { width: `${Math.max(3, fraction * 100)}%` }} />
    </div>
  )
}
