import { useMemo } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { Icon } from '../../components/Icon'
import { useNow } from '../../hooks/useNow'
import { useModulesStore } from '../../stores/modulesStore'
import { DRAG_ACTIVE } from './dragData'
import { DropColumn } from './DropColumn'
import { HibernatedModuleCard } from './HibernatedModuleCard'
import { requestHibernate } from './requestHibernate'

/** Hibernated modules, newest first; active cards dropped here are hibernated (after asking why). */
export function HibernatedColumn() {
  const hibernated = useModulesStore((s) => s.hibernated)
  const activeNames = useModulesStore(useShallow((s) => s.groups.flatMap((g) => g.modules.map((m) => m.name))))
  const now = useNow()
  // A module woken from a file elsewhere can be active while its last hibernation is still unwoken:
  // that version is history (see the detail panel), not something to wake.
  const sorted = useMemo(() => {
    const active = new Set(activeNames)
    return hibernated.filter((v) => !active.has(v.name)).sort((a, b) => b.hibernatedAt - a.hibernatedAt)
  }, [activeNames, hibernated])

  return (
    <DropColumn
      title="Hibernated"
      count={sorted.length}
      accepts={DRAG_ACTIVE}
      onDropModule={requestHibernate}
      dropHint="Drop to hibernate"
      testId="hibernated-column"
      className="hibernated-column"
    >
      {sorted.length === 0 ? (
        <div className="empty-state">
          <Icon name="snow" size={28} />
          <strong>Nothing is hibernating</strong>
          <span>Drag a module here to pack it away. It can be woken any time.</span>
        </div>
      ) : (
        <div className="card-stack">
          {sorted.map((v) => (
            <HibernatedModuleCard key={`${v.name}@${v.hibernatedAt}`} version={v} now={now} />
          ))}
        </div>
      )}
    </DropColumn>
  )
}
