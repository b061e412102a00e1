import type { HealthStatus } from '../../../../shared/contract/domains/health'

/** A status as colour and word, never colour alone. */
export function StatusBadge({ status }: { status: HealthStatus }) {
  return (
    <span className={`badge health-status status-${status}`} data-testid="health-status">
      <span className="health-dot" aria-hidden="true" />
      {status}
    </span>
  )
}
