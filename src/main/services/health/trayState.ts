import type { HealthStatus } from '../../../shared/contract/domains/health'
import type { HealthAlert } from './HealthMonitor'

/** What the tray shows of health: the icon's state, its tooltip, and one menu line per active alert. */
export interface TrayHealth {
  state: 'healthy' | 'warning' | 'critical'
  tooltip: string
  /** Menu lines, worst first (at most 10, then "and N more"). */
  items: string[]
}

const MAX_ITEMS = 10

export function trayHealth(status: HealthStatus, alerts: readonly HealthAlert[]): TrayHealth {
  const state = status === 'critical' ? 'critical' : status === 'warning' ? 'warning' : 'healthy'
  const sorted = [...alerts].sort((a, b) => (a.status === b.status ? a.since - b.since : a.status === 'critical' ? -1 : 1))
  const items = sorted.slice(0, MAX_ITEMS).map((a) => `${a.status === 'critical' ? '🔴' : '🟡'} ${a.source}: ${shorten(a.message, 90)}`)
  if (sorted.length > MAX_ITEMS) items.push(`… and ${sorted.length - MAX_ITEMS} more (Health page)`)
  const tooltip =
    state === 'healthy' ? 'Warden — all healthy' : `Warden — ${sorted.length} source${sorted.length === 1 ? '' : 's'} ${state === 'critical' ? 'critical' : 'degraded'}: ${sorted.map((a) => a.source).slice(0, 3).join(', ')}`
  return { state, tooltip, items }
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

const colours: Record<TrayHealth['state'], [number, number, number]> = {
  healthy: [46, 160, 67],
  warning: [219, 160, 0],
  critical: [207, 34, 46],
}

/**
 * The tray icon's health dot as raw BGRA pixels (what Electron's `nativeImage.createFromBitmap`
 * takes): a filled, anti-aliased circle of the state's colour on a transparent square. Drawn here,
 * not shipped as files, so the three states cannot drift apart.
 */
export function healthDot(state: TrayHealth['state'], size = 32): { width: number; height: number; bgra: Buffer } {
  const [r, g, b] = colours[state]
  const bgra = Buffer.alloc(size * size * 4)
  const c = (size - 1) / 2
  const radius = size * 0.42
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c)
      const alpha = Math.max(0, Math.min(1, radius + 0.5 - d))
      const i = (y * size + x) * 4
      bgra[i] = b
      bgra[i + 1] = g
      bgra[i + 2] = r
      bgra[i + 3] = Math.round(alpha * 255)
    }
  }
  return { width: size, height: size, bgra }
}
