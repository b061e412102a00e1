import { useState } from 'react'
import { killWorker } from '../../actions/workerActions'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorCallout } from '../../components/ErrorCallout'
import { Icon } from '../../components/Icon'
import { useNow } from '../../hooks/useNow'
import { usePolling } from '../../hooks/usePolling'
import { plural } from '../../lib/inferenceFormat'
import type { WorkerInfo } from '../../lib/types'
import { useWorkersStore } from '../../stores/workersStore'
import { LoadModelPicker } from './LoadModelPicker'
import { MemoryBar } from './MemoryBar'
import { WorkerRow } from './WorkerRow'

/** How often the page asks for live numbers (memory, tokens/s, queue) while it shows. */
const POLL_MS = 1000

function KillDialog({ worker, onClose }: { worker: WorkerInfo; onClose(): void }) {
  return (
    <ConfirmDialog
      title={`Kill ${worker.modelName}’s worker?`}
      confirmLabel="Kill worker"
      busyLabel="Killing…"
      danger
      testId="kill-dialog"
      onClose={onClose}
      onConfirm={() => killWorker(worker.modelId, worker.modelName)}
    >
      <p>
        Process <span className="mono">{worker.pid}</span> is stopped at once (SIGKILL), as a crash would. Generations it is running fail with WORKER_CRASHED.
      </p>
      <p className="muted">Warden restarts it and the model loads again. It counts as a crash: a model that crashes again and again is quarantined.</p>
    </ConfirmDialog>
  )
}

/** Worker processes (one per loaded model), the memory they take, and what can be done to them. */
export function WorkersPage() {
  const loaded = useWorkersStore((s) => s.loaded)
  const list = useWorkersStore((s) => s.list)
  const error = useWorkersStore((s) => s.error)
  const refresh = useWorkersStore((s) => s.refresh)
  const now = useNow(1000)
  const [killing, setKilling] = useState<WorkerInfo | null>(null)
  usePolling(refresh, POLL_MS)

  const workers = list?.workers ?? []
  return (
    <div className="inference-page workers-page" data-testid="workers-page">
      <div className="page-toolbar">
        <p className="muted toolbar-summary" data-testid="workers-summary">
          {list ? (
            <>
              {plural(workers.length, 'worker')} · queue {list.queue.depth} of {list.queue.max} · {plural(list.cores, 'core')}
            </>
          ) : (
            '\u00a0'
          )}
        </p>
        <LoadModelPicker />
      </div>
      {error && <ErrorCallout error={error} className="page-callout" icon />}
      {!loaded ? (
        <div className="loading-board" aria-busy="true">
          <span className="spinner" /> Loading workers…
        </div>
      ) : (
        list && (
          <div className="page-scroll">
            <MemoryBar budget={list.budget} workers={workers} spares={list.spares} />
            {workers.length === 0 ? (
              <div className="panel empty-state wide" data-testid="workers-empty">
                <Icon name="workers" size={30} />
                <strong>No model is loaded</strong>
                <span>
                  A worker starts when a persona talks to its model, or when you pick a model and press <em>Load model</em>. Each model runs in its own process, so a
                  crash never takes Warden down.
                </span>
                <a className="button small" href="#personas">
                  <Icon name="personas" size={14} /> Talk to a persona
                </a>
              </div>
            ) : (
              <div className="panel table-panel">
                <table className="table workers-table" aria-label="Workers">
                  <thead>
                    <tr>
                      <th>Model</th>
                      <th>State</th>
                      <th className="num">PID</th>
                      <th className="num">Memory</th>
                      <th className="num">Threads</th>
                      <th className="num">Speed</th>
                      <th className="num">Queue</th>
                      <th className="num">Restarts</th>
                      <th className="num">Uptime</th>
                      <th className="actions">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {workers.map((w) => (
                      <WorkerRow key={w.modelId} worker={w} now={now} onKill={setKilling} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        )
      )}
      {killing && <KillDialog worker={killing} onClose={() => setKilling(null)} />}
    </div>
  )
}
