import { formatBytes } from '../../../../shared/format'
import { cancelInstall } from '../../actions/modelActions'
import { ProgressBar } from '../../components/ProgressBar'
import type { ModelInfo } from '../../lib/types'
import type { InstallJob } from '../../stores/modelsStore'

/** 0–1: the call's own progress first (it is the freshest), else what the model list says. */
function fractionOf(job: InstallJob | undefined, installing: ModelInfo['installing']): number | null {
  if (job?.fraction != null) return job.fraction
  if (installing?.percent != null) return installing.percent / 100
  if (installing?.bytesTotal) return installing.bytesDownloaded / installing.bytesTotal
  return null
}

/** A download's bar, percent and bytes, with Cancel when this window started it. */
export function InstallProgress({ label, job, installing }: { label: string; job?: InstallJob; installing: ModelInfo['installing'] }) {
  const fraction = fractionOf(job, installing)
  const bytes = installing
    ? `${formatBytes(installing.bytesDownloaded)}${installing.bytesTotal !== null ? ` of ${formatBytes(installing.bytesTotal)}` : ''}`
    : (job?.message ?? 'Starting…')
  return (
    <div className="install-progress" data-testid="install-progress">
      <div className="install-line">
        <span className="install-percent" data-testid="install-percent">
          {fraction !== null ? `${Math.floor(fraction * 100)}%` : <span className="spinner" aria-hidden="true" />}
        </span>
        <span className="muted install-bytes">{bytes}</span>
        {job && (
          <button type="button" className="button small ghost" disabled={job.cancelling} onClick={() => void cancelInstall(job.callId)} aria-label={`Cancel installing ${label}`}>
            {job.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      <ProgressBar fraction={fraction} label={`Installing ${label}`} />
    </div>
  )
}
