import type { DragEvent } from 'react'

/** What a card carries when dragged: its module name, under a type that says which column it left. */
export const DRAG_ACTIVE = 'application/x-warden-active-module'
export const DRAG_HIBERNATED = 'application/x-warden-hibernated-module'
export type DragKind = typeof DRAG_ACTIVE | typeof DRAG_HIBERNATED

export function startCardDrag(e: DragEvent, kind: DragKind, name: string): void {
  e.dataTransfer.setData(kind, name)
  e.dataTransfer.setData('text/plain', name)
  e.dataTransfer.effectAllowed = 'move'
}

/** During dragover only the types can be read, not the data. */
export function carries(e: DragEvent, kind: DragKind): boolean {
  return e.dataTransfer.types.includes(kind)
}
