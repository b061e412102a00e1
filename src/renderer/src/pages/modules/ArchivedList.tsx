import { useState } from 'react'
import { formatAge, formatBytes } from '../../../../shared/format'
import { wakeModule } from '../../actions/moduleActions'
import { Icon } from '../../components/Icon'
import { useNow } from '../../hooks/useNow'
import { useDetailStore } from '../../stores/detailStore'
import { useModulesStore } from '../../stores/modulesStore'
import type { HibernatedVersion } from '../../lib/types'
import { RestorableBadge } from './RestorableBadge'

function ArchivedRow({ version, now }: { version: HibernatedVersion; now: number }) {
  const select = useDetailStore((s) => s.select)
  const [busy, setBusy] = useState(false)
  return (
    <tr data-testid={`archived-row-${version.name}`}>
      <td>
        <button type="button" className="link-button" onClick={() => select(version.name)}>
          {version.name}
        </button>
      </td>
      <td>
        <span className={`pill kind-${version.kind}`}>{version.type}</span>
      </td>
      <td className="mono">{version.version ?? '—'}</td>
      <td title={new Date(version.hibernatedAt).toLocaleString()}>{formatAge(now - version.hibernatedAt)}</td>
      <td className="reason-cell" title={version.reason}>
        {version.reason}
      </td>
      <td className="num">{formatBytes(version.size)}</td>
      <td>
        <RestorableBadge restorable={version.restorable} problem={version.problem} />
      </td>
      <td className="actions">
        <button
          type="button"
          className="button small"
          aria-label={`Wake ${version.name} from archive`}
          disabled={busy || !version.restorable}
          onClick={async () => {
            setBusy(true)
            await wakeModule(version.name, { at: version.hibernatedAt, fromArchive: true })
            setBusy(false)
          }}
        >
          <Icon name="sun" size={14} /> {busy ? 'Waking…' : 'Wake'}
        </button>
      </td>
    </tr>
  )
}

/** The long-term archive ($WARDEN_HOME/module-archive). */
export function ArchivedList() {
  const archived = useModulesStore((s) => s.archived)
  const totalSize = useModulesStore((s) => s.archivedTotalSize)
  const now = useNow()
  const visible = archived.filter((v) => v.wokenAt === null).sort((a, b) => b.hibernatedAt - a.hibernatedAt)

  if (visible.length === 0) {
    return (
      <div className="panel empty-state wide" data-testid="archived-list">
        <Icon name="archive" size={28} />
        <strong>The archive is empty</strong>
        <span>Hibernations older than 30 days move here with “Archive old…”. They can still be woken.</span>
      </div>
    )
  }
  return (
    <div className="panel table-panel" data-testid="archived-list">
      <table className="table">
        <thead>
          <tr>
            <th>Module</th>
            <th>Kind</th>
            <th>Version</th>
            <th>Hibernated</th>
            <th>Reason</th>
            <th className="num">Size</th>
            <th>Checksum</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {visible.map((v) => (
            <ArchivedRow key={`${v.name}@${v.hibernatedAt}`} version={v} now={now} />
          ))}
        </tbody>
      </table>
      <p className="table-footer muted">
        {visible.length} archived · {formatBytes(totalSize)} in the archive
      </p>
    </div>
  )
}
