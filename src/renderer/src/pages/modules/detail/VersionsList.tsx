import { useState } from 'react'
import { formatAge, formatBytes } from '../../../../../shared/format'
import { wakeModule } from '../../../actions/moduleActions'
import { Icon } from '../../../components/Icon'
import type { HibernatedVersion } from '../../../lib/types'
import { formatDate } from './moduleStatus'

interface VersionsListProps {
  versions: HibernatedVersion[]
  /** A version can only be woken while the module is not active. */
  active: boolean
  now: number
  onCompare(at: number): void
}

function VersionItem({ v, active, now, onCompare }: { v: HibernatedVersion } & Omit<VersionsListProps, 'versions'>) {
  const [busy, setBusy] = useState(false)
  const state = v.location === 'archive' ? 'archived' : v.wokenAt !== null ? 'woken' : 'hibernated'
  return (
    <li className="version" data-testid={`version-${v.hibernatedAt}`}>
      <div className="version-main">
        <div className="version-title">
          <span className="mono">{formatDate(v.hibernatedAt)}</span>
          <span className={`badge state-${state}`}>{state}</span>
          {!v.restorable && <span className="badge bad">checksum ✗</span>}
        </div>
        <div className="version-meta muted">
          {formatAge(now - v.hibernatedAt)} · “{v.reason}” · {formatBytes(v.size)}
          {v.version && <> · v{v.version}</>}
          {v.wokenAt !== null && <> · woken {formatAge(now - v.wokenAt)}</>}
        </div>
      </div>
      <div className="version-actions">
        <button type="button" className="button small ghost" onClick={() => onCompare(v.hibernatedAt)} aria-label={`Compare version ${formatDate(v.hibernatedAt)}`}>
          <Icon name="diff" size={14} /> Compare
        </button>
        {!active && v.restorable && (
          <button
            type="button"
            className="button small"
            disabled={busy}
            onClick={async () => {
              setBusy(true)
              await wakeModule(v.name, { at: v.hibernatedAt, fromArchive: v.location === 'archive' })
              setBusy(false)
            }}
          >
            <Icon name="sun" size={14} /> {busy ? 'Waking…' : 'Wake this version'}
          </button>
        )}
      </div>
    </li>
  )
}

/** Every stored version, newest first. */
export function VersionsList({ versions, active, now, onCompare }: VersionsListProps) {
  const sorted = [...versions].sort((a, b) => b.hibernatedAt - a.hibernatedAt)
  if (sorted.length === 0) return <p className="empty-line">Never hibernated: no stored versions yet.</p>
  return (
    <ol className="version-list" data-testid="versions-list">
      {sorted.map((v) => (
        <VersionItem key={`${v.location}-${v.hibernatedAt}`} v={v} active={active} now={now} onCompare={onCompare} />
      ))}
    </ol>
  )
}
