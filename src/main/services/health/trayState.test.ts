import { describe, expect, it } from 'vitest'
import { healthDot, trayHealth } from './trayState'

describe('the tray’s health', () => {
  it('turns warning or critical with the worst alert first, and lists at most ten', () => {
    expect(trayHealth('normal', [])).toEqual({ state: 'healthy', tooltip: 'Warden — all healthy', items: [] })
    expect(trayHealth('unknown', []).state).toBe('healthy')
    const alerts = [
      { source: 'persona:Ada', status: 'warning' as const, message: 'Φ 0.91 above 0.85 for 4 snapshots', since: 2 },
      { source: 'model:tiny', status: 'critical' as const, message: 'error rate 40% above 5%', since: 3 },
    ]
    const t = trayHealth('critical', alerts)
    expect(t.state).toBe('critical')
    expect(t.items[0]).toMatch(/^🔴 model:tiny: error rate 40%/)
    expect(t.items[1]).toMatch(/^🟡 persona:Ada/)
    expect(t.tooltip).toBe('Warden — 2 sources critical: model:tiny, persona:Ada')
    const many = Array.from({ length: 14 }, (_, i) => ({ source: `s${i}`, status: 'warning' as const, message: 'x'.repeat(200), since: i }))
    const m = trayHealth('warning', many)
    expect(m.items).toHaveLength(11)
    expect(m.items[10]).toBe('… and 4 more (Health page)')
    expect(m.items[0].length).toBeLessThan(110)
  })

  it('draws a dot of the state’s colour: opaque in the middle, transparent in the corners', () => {
    const dot = healthDot('critical', 32)
    expect(dot.bgra.length).toBe(32 * 32 * 4)
    const at = (x: number, y: number) => [...dot.bgra.subarray((y * 32 + x) * 4, (y * 32 + x) * 4 + 4)]
    expect(at(16, 16)).toEqual([46, 34, 207, 255])
    expect(at(0, 0)[3]).toBe(0)
    expect(at(16, 16)).not.toEqual([...healthDot('healthy', 32).bgra.subarray((16 * 32 + 16) * 4, (16 * 32 + 16) * 4 + 4)])
  })
})
