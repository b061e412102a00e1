import type { KeyboardEvent } from 'react'

export interface CardKeyActions {
  open(): void
  /** `h` on an active card. */
  hibernate?(): void
  /** `w` on a hibernated card. */
  wake?(): void
}

/** Arrow keys move between the cards of one column, in reading order. */
function moveFocus(card: HTMLElement, delta: number): void {
  const column = card.closest('[data-card-column]')
  const cards = [...(column?.querySelectorAll<HTMLElement>('[data-card]') ?? [])]
  const next = cards[cards.indexOf(card) + delta]
  next?.focus()
}

/** Keyboard for a focused card (not for the buttons inside it): Enter opens details, h hibernates, w wakes. */
export function handleCardKey(e: KeyboardEvent<HTMLElement>, actions: CardKeyActions): void {
  if (e.target !== e.currentTarget || e.altKey || e.ctrlKey || e.metaKey) return
  const key = e.key.toLowerCase()
  if (key === 'enter' || key === ' ') actions.open()
  else if (key === 'h' && actions.hibernate) actions.hibernate()
  else if (key === 'w' && actions.wake) actions.wake()
  else if (key === 'arrowdown' || key === 'arrowright') moveFocus(e.currentTarget, 1)
  else if (key === 'arrowup' || key === 'arrowleft') moveFocus(e.currentTarget, -1)
  else return
  e.preventDefault()
}
