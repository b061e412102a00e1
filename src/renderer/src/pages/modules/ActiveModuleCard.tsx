import { memo, useState } from 'react'
import { formatBytes } from '../../../../shared/format'
import { Icon } from '../../components/Icon'
import { useDetailStore } from '../../stores/detailStore'
import type { ActiveModule } from '../../lib/types'
import { handleCardKey } from './cardKeys'
import { DRAG_ACTIVE, startCardDrag } from './dragData'
import { requestHibernate } from './requestHibernate'

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`
}

/** One active module: drag it to Hibernated, press `h`, or use its button. */
export const ActiveModuleCard = memo(function ActiveModuleCard({ module }: { module: ActiveModule }) {
  const selected = useDetailStore((s) => s.selected === module.name)
  const select = useDetailStore((s) => s.select)
  const [dragging, setDragging] = useState(false)
  const open = () => select(module.name)

  return (
    <article
      className={`card module-card${selected ? ' selected' : ''}${dragging ? ' dragging' : ''}`}
      data-testid={`module-card-${module.name}`}
      data-card
      tabIndex={0}
      draggable
      aria-label={`${module.name}, active ${module.type}${module.version ? ` ${module.version}` : ''}. Enter for details, H to hibernate.`}
      onDragStart={(e) => {
        startCardDrag(e, DRAG_ACTIVE, module.name)
        setDragging(true)
      }}
      onDragEnd={() => setDragging(false)}
      onClick={open}
      onKeyDown={(e) => handleCardKey(e, { open, hibernate: () => requestHibernate(module.name) })}
    >
      <div className="card-top">
        <span className="card-name">{module.name}</span>
        <button
          type="button"
          className="card-action icon-only"
          aria-label={`Hibernate ${module.name}`}
          title="Hibernate… (H)"
          onClick={(e) => {
            e.stopPropagation()
            requestHibernate(module.name)
          }}
        >
          <Icon name="snow" size={14} />
        </button>
      </div>
      <p className="card-description">{module.description ?? '\u00a0'}</p>
      <div className="card-meta">
        {module.version && <span className="mono">v{module.version}</span>}
        <span>{formatBytes(module.size)}</span>
        <span title={module.dependencies.join(', ') || 'no dependencies'}>{plural(module.dependencies.length, 'dep')}</span>
        <span title={module.dependents.join(', ') || 'nothing depends on it'} className={module.dependents.length ? 'has-dependents' : undefined}>
          {module.dependents.length ? `used by ${module.dependents.length}` : 'unused'}
        </span>
      </div>
    </article>
  )
})
