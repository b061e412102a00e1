import { describe, expect, it } from 'vitest'
import { parseTimeRange, parseTimeRef } from './timeRef'

const NOW = Date.parse('2026-12-02T12:00:00Z')

describe('time references (history ranges)', () => {
  it('reads spans back from now, milliseconds, ISO dates and "now"', () => {
    expect(parseTimeRef('15m', NOW)).toBe(NOW - 15 * 60_000)
    expect(parseTimeRef('1h', NOW)).toBe(NOW - 3_600_000)
    expect(parseTimeRef('6h', NOW)).toBe(NOW - 6 * 3_600_000)
    expect(parseTimeRef('7d', NOW)).toBe(NOW - 7 * 86_400_000)
    expect(parseTimeRef(' 30d ', NOW)).toBe(NOW - 30 * 86_400_000)
    expect(parseTimeRef('1.5h', NOW)).toBe(NOW - 5_400_000)
    expect(parseTimeRef('90s', NOW)).toBe(NOW - 90_000)
    expect(parseTimeRef('2w', NOW)).toBe(NOW - 14 * 86_400_000)
    expect(parseTimeRef(1_700_000_000_000, NOW)).toBe(1_700_000_000_000)
    expect(parseTimeRef('1700000000000', NOW)).toBe(1_700_000_000_000)
    expect(parseTimeRef('2026-12-01', NOW)).toBe(Date.parse('2026-12-01T00:00:00Z'))
    expect(parseTimeRef('2026-12-01T08:30:00Z', NOW)).toBe(Date.parse('2026-12-01T08:30:00Z'))
    expect(parseTimeRef('2026-12-01T08:30:00+02:00', NOW)).toBe(Date.parse('2026-12-01T06:30:00Z'))
    expect(parseTimeRef('now', NOW)).toBe(NOW)
  })

  it('refuses what is not a time, naming the field and the problem', () => {
    expect(() => parseTimeRef('15', NOW, 'since')).toThrow(/since "15" has no unit: write 15m, 15h or 15d/)
    expect(() => parseTimeRef('15y', NOW, 'since')).toThrow(/unknown unit: a span back from now ends in s, m, h, d or w/)
    expect(() => parseTimeRef('2026-13-45', NOW, 'until')).toThrow(/until "2026-13-45" is not a real date/)
    expect(() => parseTimeRef('yesterday', NOW)).toThrow(/"yesterday" is not a time/)
    expect(() => parseTimeRef('', NOW, 'since')).toThrow(/since is empty/)
    expect(() => parseTimeRef('999999999d', NOW)).toThrow(/more than 100 years/)
    expect(() => parseTimeRef(-5, NOW)).toThrow(/not a time/)
    let thrown: unknown = null
    try {
      parseTimeRef('soon', NOW)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toMatchObject({ code: 'INVALID_INPUT', hint: expect.stringContaining('15m, 1h, 6h, 7d, 30d') })
  })

  it('a range defaults to the last hour and must run forwards', () => {
    expect(parseTimeRange(undefined, undefined, NOW)).toEqual({ since: NOW - 3_600_000, until: NOW })
    expect(parseTimeRange('6h', '1h', NOW)).toEqual({ since: NOW - 6 * 3_600_000, until: NOW - 3_600_000 })
    expect(() => parseTimeRange('1h', '6h', NOW)).toThrow(/since \(.*\) is not before until/)
  })
})
