import type { Patch } from '../../../shared/contract/domains/healing'

/** What the tray shows of healing: how many proposals wait for a person, and a menu line for the newest few. */
export interface TrayProposals {
  count: number
  /** Appended to the tray's tooltip; empty when nothing waits. */
  tooltip: string
  /** Menu lines (newest first, at most MAX_ITEMS, then "and N more"), each opening the Healing page. */
  items: string[]
}

const MAX_ITEMS = 5

/** `pending`: the engine's pending proposals (`healing.proposals`, newest first). */
export function trayProposals(pending: readonly Patch[]): TrayProposals {
  const count = pending.length
  if (count === 0) return { count, tooltip: '', items: [] }
  const items = pending.slice(0, MAX_ITEMS).map((p) => `📝 ${shorten(p.title, 70)}${p.fitness ? ` (fitness ${p.fitness.score.toFixed(2)})` : ''}`)
  if (count > MAX_ITEMS) items.push(`… and ${count - MAX_ITEMS} more (Healing page)`)
  return { count, tooltip: `${count} healing proposal${count === 1 ? '' : 's'} to review`, items }
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}
