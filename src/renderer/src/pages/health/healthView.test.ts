import { describe, expect, it } from 'vitest'
import type { HealthPoint } from '../../../../shared/contract/domains/health'
import { settingDefs } from '../../../../shared/contract/inference'
import { bySeverity, chartRows, chartSpecs, defaultThresholds, formatAge, formatBucket, formatTick, plotWidth, pointsFor, rangeMs, thresholdsFrom, windowQuery, zoomWindow } from './healthView'

const row = (key: string, value: unknown) => ({ key, value, default: value, description: '', isDefault: false })

describe('health view helpers', () => {
  it('turns each range into its span and a relative `since` that moves with now; a zoom into absolute times', () => {
    expect(rangeMs('15m')).toBe(15 * 60_000)
    expect(rangeMs('24h')).toBe(86_400_000)
    expect(rangeMs('30d')).toBe(30 * 86_400_000)
    expect(windowQuery({ range: '6h' })).toEqual({ since: '6h' })
    expect(windowQuery({ from: 1000.4, to: 5000.2 })).toEqual({ since: 1000, until: 5001 })
  })

  it('zooms to a dragged range in either direction; a click or a sub-second drag is no zoom', () => {
    expect(zoomWindow(9000, 2000)).toEqual({ from: 2000, to: 9000 })
    expect(zoomWindow(5000, 5000)).toBeNull()
    expect(zoomWindow(5000, 5500)).toBeNull()
    expect(zoomWindow(Number.NaN, 5000)).toBeNull()
  })

  it('asks for about one point per pixel, within the 2–5000 the operation accepts', () => {
    expect(pointsFor(612.4)).toBe(612)
    expect(pointsFor(1)).toBe(2)
    expect(pointsFor(12_000)).toBe(5000)
    expect(pointsFor(0)).toBe(500) // not laid out yet
    // One column below two minimum widths, two side by side above.
    expect(plotWidth(600)).toBe(500)
    expect(plotWidth(1000)).toBe(394)
    expect(plotWidth(852)).toBe(320)
  })

  it('reads the threshold lines from the Health settings; defaults match the contract’s', () => {
    expect(defaultThresholds).toEqual({
      phiMin: settingDefs.healthPhiMin.default,
      phiMax: settingDefs.healthPhiMax.default,
      kappaTarget: settingDefs.healthKappaTarget.default,
      driftMax: settingDefs.healthDriftMax.default,
      errorRateMax: settingDefs.healthErrorRateMax.default,
      latencyMaxMs: settingDefs.healthLatencyMaxMs.default,
    })
    const t = thresholdsFrom([row('healthPhiMin', 0.5), row('healthPhiMax', '0.9'), row('healthDriftMax', 'oops'), row('maxVRAM', 3)])
    expect(t).toEqual({ ...defaultThresholds, phiMin: 0.5, phiMax: 0.9 })
    const phi = chartSpecs.find((s) => s.metric === 'phi')!
    expect(phi.lines(t).map((l) => l.value)).toEqual([0.5, 0.9])
    expect(chartSpecs.find((s) => s.metric === 'latencyMs')!.lines(t)).toEqual([{ value: 2000, label: 'latency max 2000 ms' }])
    expect(chartSpecs.map((s) => s.metric)).toEqual(['phi', 'kappa', 'drift', 'latencyMs', 'errorRate', 'tokensPerSecond', 'memoryBytes'])
  })

  it('draws a min–max band only where a point rolls up several snapshots, and a gap where a metric is missing', () => {
    const points: HealthPoint[] = [
      { at: 1, count: 1, values: { phi: 0.7 } },
      { at: 2, count: 30, values: { phi: 0.72 }, min: { phi: 0.6 }, max: { phi: 0.9 } },
      { at: 3, count: 4, values: { phi: null }, min: { phi: null }, max: { phi: null } },
    ]
    expect(chartRows(points, 'phi')).toEqual([
      { at: 1, value: 0.7, band: null },
      { at: 2, value: 0.72, band: [0.6, 0.9] },
      { at: 3, value: null, band: null },
    ])
    expect(chartRows(points, 'kappa').every((r) => r.value === null)).toBe(true)
  })

  it('formats buckets, ticks and ages for a person', () => {
    const at = new Date(2026, 11, 2, 9, 5, 7).getTime()
    expect(formatBucket({ at, count: 1 }, 'raw')).toBe('2026-12-02 09:05:07')
    expect(formatBucket({ at, count: 37 }, 'minute')).toBe('2026-12-02 09:05 · 37 snapshots')
    expect(formatTick(at, 15 * 60_000)).toBe('09:05:07')
    expect(formatTick(at, 6 * 3_600_000)).toBe('09:05')
    expect(formatTick(at, 7 * 86_400_000)).toBe('12/2 09:05')
    expect(formatAge(null, at)).toBe('—')
    expect(formatAge(at - 4_000, at)).toBe('4 s ago')
    expect(formatAge(at - 5 * 60_000, at)).toBe('5 min ago')
    expect(formatAge(at - 3 * 86_400_000, at)).toBe('3 d ago')
  })

  it('puts the worst sources first, then by name', () => {
    const s = (source: string, status: 'normal' | 'warning' | 'critical' | 'unknown') => ({ source, status })
    expect([s('b', 'normal'), s('a', 'unknown'), s('c', 'critical'), s('a', 'normal'), s('d', 'warning')].sort(bySeverity).map((x) => `${x.source}:${x.status}`)).toEqual([
      'c:critical',
      'd:warning',
      'a:unknown',
      'a:normal',
      'b:normal',
    ])
  })
})
