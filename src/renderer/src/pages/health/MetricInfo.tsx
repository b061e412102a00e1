import { useEffect, useId, useRef, useState } from 'react'
import { Icon } from '../../components/Icon'
import { definitions, type DefinitionKey } from './definitions'

/** The popover's width in pixels (health.css). */
const POPOVER_WIDTH = 280

/** A small "i" beside a figure's name: its definition in a popover, closed by Escape, a click elsewhere, a scroll or the button again. */
export function MetricInfo({ what }: { what: DefinitionKey }) {
  // Where the popover shows: fixed to the viewport, so a scrolling table does not clip it.
  const [open, setOpen] = useState<{ top: number; left: number } | null>(null)
  const id = useId()
  const ref = useRef<HTMLSpanElement>(null)
  const { term, text } = definitions[what]

  useEffect(() => {
    if (!open) return
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node)) setOpen(null)
    }
    // Fixed in place, it would float away from its button on a scroll: it closes instead.
    const closeOnScroll = () => setOpen(null)
    document.addEventListener('keydown', close)
    document.addEventListener('mousedown', close)
    document.addEventListener('scroll', closeOnScroll, true)
    return () => {
      document.removeEventListener('keydown', close)
      document.removeEventListener('mousedown', close)
      document.removeEventListener('scroll', closeOnScroll, true)
    }
  }, [open])

  return (
    <span className="metric-info" ref={ref}>
      <button
        type="button"
        className="metric-info-button"
        aria-label={`What is ${term}?`}
        aria-expanded={open !== null}
        aria-controls={open ? id : undefined}
        onClick={(e) => {
          e.stopPropagation()
          const r = e.currentTarget.getBoundingClientRect()
          setOpen(open ? null : { top: r.bottom + 6, left: Math.max(8, Math.min(r.right - POPOVER_WIDTH + 8, window.innerWidth - POPOVER_WIDTH - 8)) })
        }}
      >
        <Icon name="info" size={12} />
      </button>
      {open && (
        <span className="metric-info-popover" role="note" id={id} aria-label={term} style={open}>
          <strong>{term}</strong> {text}
        </span>
      )}
    </span>
  )
}
