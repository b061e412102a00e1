import { memo, useState } from 'react'
import { formatBytes } from '../../../../shared/format'
import { pinWorker, restartWorker, unloadModel } from '../../actions/workerActions'
import { Icon, type IconName } from '../../components/Icon'
import { formatDuration, formatRate, plural } from '../../lib/inferenceFormat'
import type { WorkerInfo } from '../../lib/types'
import { WorkerLog } from './WorkerLog'
import { WorkerStateBadge } from './WorkerStateBadge'

const COLUMNS = 10

/** States in which the process is gone or going: nothing to unload, pin or kill. */
const DOWN = new Set<WorkerInfo['state']>(['quarantined', 'crashed', 'restarting', 'stopping'])

interface RowActionProps {
  icon: IconName
  /** The accessible name, e.g. "Kill tiny"; `title` says what it does. */
  label: string
  title: string
  pressed?: boolean
  danger?: boolean
  disabled: boolean
  onClick(): void
}

function RowAction({ icon, label, title, pressed, danger, disabled, onClick }: RowActionProps) {
  return (
    <button
      type="button"
      className={`icon-button${pressed ? ' on' : ''}${danger ? ' danger' : ''}`}
      aria-label={label}
      aria-pressed={pressed}
      title={title}
      disabled={disabled}
      onClick={onClick}
    >
      <Icon name={icon} />
    </button>
  )
}

interface WorkerRowProps {
  worker: WorkerInfo
  now: number
  onKill(worker: WorkerInfo): void
}

/** One worker process: what it runs, how it is doing, and what can be done to it. */
export const WorkerRow = memo(function WorkerRow({ worker: w, now, onKill }: WorkerRowProps) {
  const [busy, setBusy] = useState(false)
  const [showLog, setShowLog] = useState(false)
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true)
    await action()
    setBusy(false)
  }
  const quarantined = w.state === 'quarantined'
  const down = DOWN.has(w.state)
  const showError = w.lastError !== null && (quarantined || w.state === 'crashed' || w.state === 'restarting')
  // A crashed worker shows its last lines in the error; otherwise they are one click away.

  return (
    <>
      <tr className={`worker-row state-${w.state}${showError || showLog ? ' has-error' : ''}`} data-testid={`worker-row-${w.modelId}`} data-state={w.state} data-pid={w.pid ?? ''}>
        <td>
          <div className="worker-model">
            <strong>{w.modelName}</strong>
            {w.pinned && (
              <span className="pinned" title="Pinned: never paged out">
                <Icon name="pin" size={13} />
                <span className="sr-only">pinned</span>
              </span>
            )}
          </div>
          {w.modelName !== w.modelId && (
            <div className="mono subtle-line worker-id" title={w.modelId}>
              {w.modelId}
            </div>
          )}
        </td>
        <td>
          <WorkerStateBadge worker={w} now={now} />
        </td>
        <td className="num mono" data-testid="worker-pid">
          {w.pid ?? '—'}
        </td>
        <td className="num">
          <div title={w.device === 'gpu' ? 'Counted against the budget, in GPU memory' : 'Counted against the budget, in RAM'}>
            <span className="subtle-label">{w.device === 'gpu' ? 'VRAM' : 'RAM'}</span> {w.memoryBytes > 0 ? formatBytes(w.memoryBytes) : '—'}
          </div>
          <div className="subtle-line" data-testid="worker-estimate" title="Predicted before loading: the file's estimate and the runtime's cost per worker">
            estimate {w.estimateBytes > 0 ? formatBytes(w.estimateBytes) : '—'}
          </div>
          <div className="subtle-line" data-testid="worker-measured" title={w.device === 'gpu' ? 'Measured after loading: VRAM the model took' : 'Measured after loading: resident memory of the worker process'}>
            measured {w.measuredBytes !== null ? formatBytes(w.measuredBytes) : '—'}
            {w.rssBytes !== null && w.pid !== null && w.device === 'gpu' ? ` · RSS ${formatBytes(w.rssBytes)}` : ''}
          </div>
        </td>
        <td className="num">{w.threads}</td>
        <td className="num">
          <div>{formatRate(w.tokensPerSecond)}</div>
          <div className="subtle-line">{plural(w.tokensGenerated, 'token')}</div>
        </td>
        <td className="num" data-testid="worker-queue">
          <div title="Requests waiting for this model">{w.queued} queued</div>
          <div className="subtle-line" title="Generations running now">
            {w.inFlight} running
          </div>
        </td>
        <td className="num" data-testid="worker-restarts">
          <div title="Times Warden restarted this worker">{plural(w.restarts, 'restart')}</div>
          <div className={`subtle-line${w.crashes ? ' warn' : ''}`} title="Times the process died unexpectedly">
            {plural(w.crashes, 'crash', 'crashes')}
          </div>
        </td>
        <td className="num" title={w.startedAt ? `Started ${new Date(w.startedAt).toLocaleString()}` : undefined}>
          {w.startedAt && !down ? formatDuration(now - w.startedAt) : '—'}
        </td>
        <td className="actions">
          <div className="row-actions">
            {!showError && (
              <RowAction
                icon="log"
                label={`Log of ${w.modelName}`}
                title={showLog ? 'Hide its log' : 'Show its log: llama.cpp’s output and what happened to the process'}
                pressed={showLog}
                disabled={false}
                onClick={() => setShowLog(!showLog)}
              />
            )}
            {quarantined ? (
              <button type="button" className="button small primary" disabled={busy} onClick={() => void run(() => restartWorker(w.modelId, w.modelName))}>
                <Icon name="restart" size={14} /> Restart
              </button>
            ) : (
              <>
                <RowAction
                  icon="pin"
                  label={w.pinned ? `Unpin ${w.modelName}` : `Pin ${w.modelName}`}
                  title={w.pinned ? 'Unpin: may be paged out when others need room' : 'Pin: never page it out'}
                  pressed={w.pinned}
                  disabled={busy || down}
                  onClick={() => void run(() => pinWorker(w.modelId, !w.pinned, w.modelName))}
                />
                <RowAction
                  icon="restart"
                  label={`Restart ${w.modelName}`}
                  title="Restart the worker"
                  disabled={busy || w.state === 'stopping'}
                  onClick={() => void run(() => restartWorker(w.modelId, w.modelName))}
                />
                <RowAction
                  icon="stop"
                  label={`Unload ${w.modelName}`}
                  title="Unload: finish what it is doing, then exit"
                  disabled={busy || down}
                  onClick={() => void run(() => unloadModel(w.modelId, w.modelName))}
                />
                <RowAction
                  icon="kill"
                  label={`Kill ${w.modelName}`}
                  title="Kill the process now (Warden restarts it)"
                  danger
                  disabled={busy || down || w.pid === null}
                  onClick={() => onKill(w)}
                />
              </>
            )}
          </div>
        </td>
      </tr>
      {showError && (
        <tr className={`worker-error-row state-${w.state}`} data-testid={`worker-error-${w.modelId}`}>
          <td colSpan={COLUMNS}>
            <div className={`callout worker-callout ${quarantined ? 'danger' : 'warning'}`} role={quarantined ? 'alert' : undefined}>
              <Icon name="alert" size={16} />
              <div>
                <strong>{quarantined ? `${w.modelName} is quarantined: it crashed ${plural(w.crashes, 'time')} and is not restarted any more.` : 'Last crash'}</strong>
                <p className="mono wrap">{w.lastError}</p>
                {quarantined && <p>Requests for it fail with QUARANTINED until you restart it. If it keeps crashing, try a smaller context or another model.</p>}
                <WorkerLog modelId={w.modelId} limit={8} label={`Last lines of ${w.modelName}’s log`} />
              </div>
            </div>
          </td>
        </tr>
      )}
      {showLog && !showError && (
        <tr className="worker-log-row" data-testid={`worker-log-row-${w.modelId}`}>
          <td colSpan={COLUMNS}>
            <WorkerLog modelId={w.modelId} limit={40} label={`Log of ${w.modelName}`} />
          </td>
        </tr>
      )}
    </>
  )
})
