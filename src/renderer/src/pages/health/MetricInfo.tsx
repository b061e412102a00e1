import { useEffect, useId, useRef, useState } from 'react'
import { Icon } from '../../components/Icon'
import { definitions, type DefinitionKey } from './definitions'

/** A small "i" beside a figure's name: its definition in a popover, closed by Escape, a click elsewhere or the button again. */
export function MetricInfo({ what }: { what: DefinitionKey }) {
  const [open, setOpen] = useState(false)
  const id = useId()
  const ref = useRef<HTMLSpanElement>(null)
  const { term, text } = definitions[what]

  useEffect(() => {
    if (!open) return
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node)) setOpen(false)
    }
    document.addEventListener('keydown', close)
    document.addEventListener('mousedown', close)
    return () => {
      document.removeEventListener('keydown', close)
      document.removeEventListener('mousedown', close)
    }
  }, [open])

  return (
    <span className="metric-info" ref={ref}>
      <button
        type="button"
        className="metric-info-button"
        aria-label={`What is ${term}?`}
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={(e) => {
          e.stopPropagation()
          setOpen(!open)
        }}
      >
        <Icon name="info" size={12} />
      </button>
      {open && (
        <span className="metric-info-popover" role="note" id={id} aria-label={term}>
          <strong>{term}</strong> {text}
        </span>
      )}
    </span>
  )
}
