import { useState } from 'react'
import { verifyArchives, repairWorkspace } from '../../actions/moduleActions'
import { ErrorCallout } from '../../components/ErrorCallout'
import { Icon } from '../../components/Icon'
import { useModulesStore } from '../../stores/modulesStore'
import { ActiveColumn } from './ActiveColumn'
import { ArchiveDialog } from './ArchiveDialog'
import { ArchivedList } from './ArchivedList'
import { DetailPanel } from './detail/DetailPanel'
import { HibernateDialog } from './HibernateDialog'
import { HibernatedColumn } from './HibernatedColumn'

type Tab = 'board' | 'archived'

function Tabs({ tab, onTab }: { tab: Tab; onTab(t: Tab): void }) {
  const archivedCount = useModulesStore((s) => s.archived.filter((v) => v.wokenAt === null).length)
  const item = (id: Tab, label: string, count?: number) => (
    <button type="button" role="tab" aria-selected={tab === id} className={`tab${tab === id ? ' active' : ''}`} onClick={() => onTab(id)}>
      {label}
      {count !== undefined && <span className="count subtle">{count}</span>}
    </button>
  )
  return (
    <div className="tabs" role="tablist" aria-label="Module views">
      {item('board', 'Active & hibernated')}
      {item('archived', 'Archived', archivedCount)}
    </div>
  )
}

/** Hibernate and wake modules: the board, the archive, a module's details. */
export function ModulesPage() {
  const [tab, setTab] = useState<Tab>('board')
  const [archiving, setArchiving] = useState(false)
  const [verifying, setVerifying] = useState(false)
  const [needsRepair, setNeedsRepair] = useState(false)
  /** Run `before` (nothing, or a repair), then verify; the Repair button shows while problems remain. */
  const check = async (before: () => Promise<void>) => {
    setVerifying(true)
    await before()
    setNeedsRepair(await verifyArchives())
    setVerifying(false)
  }
  const loaded = useModulesStore((s) => s.loaded)
  const error = useModulesStore((s) => s.error)

  return (
    <div className="modules-page">
      <div className="page-toolbar">
        <Tabs tab={tab} onTab={setTab} />
        <div className="toolbar-actions">
          <span className="muted keyboard-hint">Drag cards between columns · drop a .tgz anywhere to wake it</span>
          <button type="button" className="button ghost" disabled={verifying} onClick={() => void check(async () => undefined)}>
            <Icon name="shield" /> {verifying ? 'Verifying…' : 'Verify'}
          </button>
          {needsRepair && (
            <button type="button" className="button ghost" disabled={verifying} onClick={() => void check(repairWorkspace)}>
              <Icon name="shield" /> Repair
            </button>
          )}
          <button type="button" className="button ghost" onClick={() => setArchiving(true)}>
            <Icon name="archive" /> Archive old…
          </button>
        </div>
      </div>
      {error && <ErrorCallout error={error} className="page-callout" icon />}
      {!loaded ? (
        <div className="loading-board" aria-busy="true">
          <span className="spinner" /> Loading modules…
        </div>
      ) : tab === 'board' ? (
        <div className="board">
          <ActiveColumn />
          <HibernatedColumn />
        </div>
      ) : (
        <ArchivedList />
      )}
      <DetailPanel />
      <HibernateDialog />
      {archiving && <ArchiveDialog onClose={() => setArchiving(false)} />}
    </div>
  )
}
