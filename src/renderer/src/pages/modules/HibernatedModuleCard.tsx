import { memo, useState } from 'react'
import { formatAge, formatBytes } from '../../../../shared/format'
import { wakeModule } from '../../actions/moduleActions'
import { Icon } from '../../components/Icon'
import { useDetailStore } from '../../stores/detailStore'
import type { HibernatedVersion } from '../../lib/types'
import { handleCardKey } from './cardKeys'
import { DRAG_HIBERNATED, startCardDrag } from './dragData'
import { RestorableBadge } from './RestorableBadge'

/** One hibernated module (its newest version): drag it to Active, press `w`, or use its button. */
export const HibernatedModuleCard = memo(function HibernatedModuleCard({ version, now }: { version: HibernatedVersion; now: number }) {
  const selected = useDetailStore((s) => s.selected === version.name)
  const select = useDetailStore((s) => s.select)
  const [dragging, setDragging] = useState(false)
  const [waking, setWaking] = useState(false)
  const open = () => select(version.name)
  const wake = async () => {
    setWaking(true)
    await wakeModule(version.name)
    setWaking(false)
  }

  return (
    <article
      className={`card module-card hibernated-card${selected ? ' selected' : ''}${dragging ? ' dragging' : ''}`}
      data-testid={`module-card-${version.name}`}
      data-card
      tabIndex={0}
      draggable={version.restorable}
      aria-label={`${version.name}, hibernated ${version.type}. Enter for details, W to wake.`}
      onDragStart={(e) => {
        startCardDrag(e, DRAG_HIBERNATED, version.name)
        setDragging(true)
      }}
      onDragEnd={() => setDragging(false)}
      onClick={open}
      onKeyDown={(e) => handleCardKey(e, { open, wake: () => void wake() })}
    >
      <div className="card-top">
        <span className="card-name">{version.name}</span>
        <button
          type="button"
          className="card-action wake"
          aria-label={`Wake ${version.name}`}
          title="Wake (W)"
          disabled={waking || !version.restorable}
          onClick={(e) => {
            e.stopPropagation()
            void wake()
          }}
        >
          <Icon name="sun" size={13} />
          <span>{waking ? 'Waking…' : 'Wake'}</span>
        </button>
      </div>
      <p className="card-reason" title={version.reason}>
        “{version.reason}”{version.error && <span className="error-text"> · {version.error.type}</span>}
      </p>
      <div className="card-meta">
        <span className={`kind-label kind-${version.kind}`}>{version.type}</span>
        <span title={new Date(version.hibernatedAt).toLocaleString()}>{formatAge(now - version.hibernatedAt)}</span>
        <span>{formatBytes(version.size)}</span>
        <RestorableBadge restorable={version.restorable} problem={version.problem} />
      </div>
      {version.archivesInDays !== null && (
        <div className="card-foot" title="Hibernations are moved to the module archive after archiveAfterDays (a setting) while the app or server runs">
          archives in {inDays(version.archivesInDays)}
        </div>
      )}
    </article>
  )
})

function inDays(n: number): string {
  const d = Math.max(0, Math.ceil(n))
  return d === 1 ? '1 day' : `${d} days`
}
