import { describe, expect, it } from 'vitest'
import { AlertRate, ALERTS_PER_MINUTE } from './alertRate'

describe('AlertRate', () => {
  it('shows at most ALERTS_PER_MINUTE a minute, then says how many it held back', () => {
    const clock = { now: 1_000_000 }
    const rate = new AlertRate(() => clock.now)
    const first = Array.from({ length: ALERTS_PER_MINUTE + 5 }, () => rate.admit())
    expect(first.filter((a) => a.show)).toHaveLength(ALERTS_PER_MINUTE)
    clock.now += 30_000
    expect(rate.admit().show).toBe(false)
    clock.now += 30_001
    expect(rate.admit()).toEqual({ show: true, heldBefore: 6 })
    expect(rate.admit()).toEqual({ show: true, heldBefore: 0 })
  })
})
