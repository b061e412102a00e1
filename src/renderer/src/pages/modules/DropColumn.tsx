import { useRef, useState, type ReactNode } from 'react'
import { carries, type DragKind } from './dragData'

interface DropColumnProps {
  title: string
  count: number
  /** Which dragged cards this column takes. */
  accepts: DragKind
  onDropModule(name: string): void
  /** Shown over the column while an acceptable card is above it. */
  dropHint: string
  testId: string
  className?: string
  children: ReactNode
}

/** A board column that takes cards dragged from the other one (native HTML5 drag and drop). */
export function DropColumn({ title, count, accepts, onDropModule, dropHint, testId, className, children }: DropColumnProps) {
  const [over, setOver] = useState(false)
  const depth = useRef(0)

  return (
    <section
      className={`column ${className ?? ''}${over ? ' drop-target' : ''}`}
      data-testid={testId}
      aria-label={title}
      data-card-column
      onDragEnter={(e) => {
        if (!carries(e, accepts)) return
        e.preventDefault()
        depth.current++
        setOver(true)
      }}
      onDragOver={(e) => {
        if (!carries(e, accepts)) return
        e.preventDefault()
        e.dataTransfer.dropEffect = 'move'
      }}
      onDragLeave={(e) => {
        if (!carries(e, accepts)) return
        depth.current = Math.max(0, depth.current - 1)
        if (depth.current === 0) setOver(false)
      }}
      onDrop={(e) => {
        if (!carries(e, accepts)) return
        e.preventDefault()
        depth.current = 0
        setOver(false)
        const name = e.dataTransfer.getData(accepts)
        if (name) onDropModule(name)
      }}
    >
      <header className="column-header">
        <h2>{title}</h2>
        <span className="count">{count}</span>
      </header>
      <div className="column-body">{children}</div>
      {over && <div className="drop-hint">{dropHint}</div>}
    </section>
  )
}
