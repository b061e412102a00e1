import type { ReactNode } from 'react'
import { formatAge, formatBytes } from '../../../../../shared/format'
import type { ActiveModule, HibernatedVersion } from '../../../lib/types'
import { RestorableBadge } from '../RestorableBadge'
import { formatDate } from './moduleStatus'

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}

type Usage = ActiveModule['usage']

function UsageFacts({ usage, now }: { usage: Usage; now: number }) {
  return (
    <div className="stat-row" data-testid="usage">
      <div className="stat">
        <span className="stat-value">{usage.totalCalls.toLocaleString()}</span>
        <span className="stat-label">total calls</span>
      </div>
      <div className="stat">
        <span className="stat-value">{usage.avgCallsPerDay.toFixed(usage.avgCallsPerDay < 10 ? 1 : 0)}</span>
        <span className="stat-label">calls / day</span>
      </div>
      <div className="stat">
        <span className="stat-value small">{usage.lastUsed ? formatAge(now - usage.lastUsed) : 'never'}</span>
        <span className="stat-label">last used</span>
      </div>
    </div>
  )
}

/** What the module is: from the active tree when it is active, else from its newest stored version. */
export function ModuleFacts({ active, latest, now }: { active: ActiveModule | null; latest: HibernatedVersion | null; now: number }) {
  const stored = active ? null : latest
  const kind = active?.kind ?? latest?.kind
  const version = active?.version ?? latest?.version
  return (
    <>
      <dl className="props" data-testid="module-facts">
        <Row label="Kind">{kind ?? '—'}</Row>
        <Row label="Version">
          <span className="mono">{version ?? '—'}</span>
        </Row>
        {active && (
          <>
            <Row label="Path">
              <span className="mono wrap">{active.path}</span>
            </Row>
            <Row label="Size">
              {formatBytes(active.size)} · {active.fileCount} files
            </Row>
            {active.description && <Row label="Description">{active.description}</Row>}
          </>
        )}
        {stored && (
          <>
            <Row label="Hibernated">
              {formatDate(stored.hibernatedAt)} <span className="muted">({formatAge(now - stored.hibernatedAt)})</span>
            </Row>
            <Row label="Reason">{stored.reason}</Row>
            <Row label="Hibernated by">{stored.hibernatedBy}</Row>
            {stored.error && (
              <Row label="Error">
                <span className="error-text">
                  {stored.error.type}: {stored.error.message}
                </span>
              </Row>
            )}
            <Row label="Last working version">
              <span className="mono">{stored.lastWorkingVersion ?? '—'}</span>
            </Row>
            <Row label="Size">
              {formatBytes(stored.size)} archive · {formatBytes(stored.unpackedSize)} unpacked · {stored.fileCount} files
            </Row>
            <Row label="Checksum">
              <RestorableBadge restorable={stored.restorable} problem={stored.problem} />
              <span className="mono muted sha" title={stored.sha256}>
                sha256 {stored.sha256.slice(0, 12)}…
              </span>
            </Row>
            {stored.problem && <Row label="Problem">{stored.problem}</Row>}
            <Row label="Archive">
              <span className="mono wrap">{stored.archivePath}</span>
            </Row>
            {stored.archivesInDays !== null && <Row label="Archives in">{Math.max(0, Math.ceil(stored.archivesInDays))} days</Row>}
          </>
        )}
      </dl>
      {(active ?? latest) && <UsageFacts usage={(active ?? latest)!.usage} now={now} />}
    </>
  )
}
