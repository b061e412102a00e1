import { wakeModule } from '../../actions/moduleActions'
import { useModulesStore } from '../../stores/modulesStore'
import { ActiveModuleCard } from './ActiveModuleCard'
import { DRAG_HIBERNATED } from './dragData'
import { DropColumn } from './DropColumn'

/** Active modules grouped by kind; hibernated cards dropped here wake. */
export function ActiveColumn() {
  const groups = useModulesStore((s) => s.groups)
  const total = groups.reduce((n, g) => n + g.modules.length, 0)

  return (
    <DropColumn
      title="Active"
      count={total}
      accepts={DRAG_HIBERNATED}
      onDropModule={(name) => void wakeModule(name)}
      dropHint="Drop to wake"
      testId="active-column"
      className="active-column"
    >
      {groups.map((g) => (
        <section key={g.kind} className="kind-group" data-testid={`kind-group-${g.kind}`} aria-label={g.kind}>
          <h3 className="kind-title">
            <span className={`kind-dot kind-${g.kind}`} aria-hidden="true" />
            {g.kind}
            <span className="count subtle">{g.modules.length}</span>
          </h3>
          {g.modules.length === 0 ? (
            <p className="empty-line">No active {g.kind}.</p>
          ) : (
            <div className="card-grid">
              {g.modules.map((m) => (
                <ActiveModuleCard key={m.name} module={m} />
              ))}
            </div>
          )}
        </section>
      ))}
    </DropColumn>
  )
}
