import type { WorkerInfo } from '../../lib/types'

const LABEL: Record<WorkerInfo['state'], string> = {
  starting: 'starting',
  loading: 'loading',
  ready: 'ready',
  busy: 'busy',
  restarting: 'restarting',
  quarantined: 'quarantined',
  stopping: 'stopping',
  crashed: 'crashed',
}

/** A worker's state; a restart waiting out its back-off counts down to `restartAt`. */
export function WorkerStateBadge({ worker, now }: { worker: WorkerInfo; now: number }) {
  const wait = worker.state === 'restarting' && worker.restartAt !== null ? Math.max(0, Math.ceil((worker.restartAt - now) / 1000)) : null
  const moving = worker.state === 'starting' || worker.state === 'loading' || worker.state === 'stopping' || (worker.state === 'restarting' && !wait)
  return (
    <span className={`badge worker-state state-${worker.state}`} data-testid="worker-state">
      {moving && <span className="dot-pulse" aria-hidden="true" />}
      {LABEL[worker.state]}
      {wait !== null && wait > 0 && <span className="countdown"> in {wait} s</span>}
    </span>
  )
}
