import { useEffect, useState } from 'react'
import { wakeModule } from '../../../actions/moduleActions'
import { packModule } from '../../../actions/packModule'
import { ErrorCallout } from '../../../components/ErrorCallout'
import { Icon } from '../../../components/Icon'
import { useNow } from '../../../hooks/useNow'
import { useDetailStore } from '../../../stores/detailStore'
import type { ModuleVersions } from '../../../lib/types'
import { requestHibernate } from '../requestHibernate'
import { DependencyLinks } from './DependencyLinks'
import { defaultPair, DiffView, type DiffPair } from './DiffView'
import { ModuleFacts } from './ModuleFacts'
import { moduleStatus, STATUS_LABEL } from './moduleStatus'
import { VersionsList } from './VersionsList'

function DetailBody({ data }: { data: ModuleVersions }) {
  const now = useNow()
  const { status, latest } = moduleStatus(data)
  const isActive = data.active !== null
  const [pair, setPair] = useState<DiffPair>(() => defaultPair(data.versions, isActive))
  const source = data.active ?? latest

  return (
    <>
      <div className="detail-actions">
        <span className={`badge status-${status}`} data-testid="detail-status">
          {STATUS_LABEL[status]}
        </span>
        {isActive ? (
          <>
            <button type="button" className="button small" onClick={() => requestHibernate(data.name)}>
              <Icon name="snow" size={14} /> Hibernate…
            </button>
            <button type="button" className="button small ghost" onClick={() => void packModule(data.name)}>
              <Icon name="archive" size={14} /> Pack
            </button>
          </>
        ) : (
          latest?.restorable &&
          status !== 'gone' && (
            <button type="button" className="button small primary" onClick={() => void wakeModule(data.name, { at: latest.hibernatedAt, fromArchive: status === 'archived' })}>
              <Icon name="sun" size={14} /> Wake
            </button>
          )
        )}
      </div>
      <section className="detail-section">
        <h3 className="section-title">Details</h3>
        <ModuleFacts active={data.active} latest={latest} now={now} />
      </section>
      {source && (
        <section className="detail-section deps">
          <DependencyLinks title="Dependencies" names={source.dependencies} testId="dependencies" />
          <DependencyLinks title="Dependents" names={source.dependents} testId="dependents" />
        </section>
      )}
      <section className="detail-section">
        <h3 className="section-title">
          Versions <span className="count subtle">{data.versions.length}</span>
        </h3>
        <VersionsList
          versions={data.versions}
          active={isActive}
          now={now}
          onCompare={(at) => {
            const other = defaultPair(data.versions.filter((v) => v.hibernatedAt !== at), isActive)
            setPair({ from: at, to: isActive ? 'active' : (other.to ?? other.from) })
          }}
        />
      </section>
      <section className="detail-section">
        <h3 className="section-title">Diff</h3>
        <DiffView name={data.name} versions={data.versions} active={isActive} pair={pair} onPair={setPair} />
      </section>
    </>
  )
}

/** The right-hand panel for the selected module. */
export function DetailPanel() {
  const selected = useDetailStore((s) => s.selected)
  const data = useDetailStore((s) => s.versions)
  const error = useDetailStore((s) => s.error)
  const select = useDetailStore((s) => s.select)
  const open = selected !== null

  // Escape closes the panel wherever focus is (links inside it re-render and drop focus to the body);
  // dialogs stop their own Escape before it gets here.
  useEffect(() => {
    if (!open) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) select(null)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [open, select])

  if (selected === null) return null

  return (
    <aside className="detail-panel" data-testid="detail-panel" aria-label={`Details of ${selected}`}>
      <header className="detail-header">
        <h2 className="detail-title">{selected}</h2>
        <button type="button" className="icon-button" aria-label="Close details" onClick={() => select(null)}>
          <Icon name="close" />
        </button>
      </header>
      <div className="detail-scroll">
        {error && <ErrorCallout error={error} />}
        {!data && !error && <p className="empty-line">Loading…</p>}
        {data && data.name === selected && <DetailBody key={`${selected}:${data.active ? 1 : 0}:${data.versions.length}`} data={data} />}
      </div>
    </aside>
  )
}
