import { describe, expect, it } from 'vitest'
import { codeQuality, createFitnessOf, exportsChanged, fitness, improvement, phiDistance } from './fitness'
import type { SandboxResult, SignalReading } from './types'

const OPTIONS = { phiMin: 0.65, phiMax: 0.85, driftMax: 2, applyThreshold: 0.7 }

function reading(r: Partial<SignalReading>): SignalReading {
  return { phi: null, drift: null, errorRate: null, testsPassed: null, testsFailed: null, ...r }
}

function result(before: Partial<SignalReading>, after: Partial<SignalReading>, extra: Partial<SandboxResult> = {}): SandboxResult {
  return { passed: null, before: reading(before), after: reading(after), quality: 1, log: '', durationMs: 0, ...extra }
}

describe('improvement', () => {
  it('is 0.5 unchanged, 1 when healthy after, above 0.5 better and below worse, 0.5 unmeasured', () => {
    expect(improvement(0.4, 0.4, 1)).toBe(0.5)
    expect(improvement(0.4, 0, 1)).toBe(1)
    expect(improvement(0, 0, 1)).toBe(1)
    expect(improvement(0.4, 0.2, 1)).toBeCloseTo(0.6)
    expect(improvement(0.2, 0.4, 1)).toBeCloseTo(0.4)
    expect(improvement(0, 1, 1)).toBe(0)
    expect(improvement(null, 0.2, 1)).toBe(0.5)
    expect(improvement(0.2, null, 1)).toBe(0.5)
    // Within the tolerance counts as healthy.
    expect(improvement(0.3, 0.005, 1, 0.01)).toBe(1)
  })

  it('measures Φ by its distance to the healthy band', () => {
    expect(phiDistance(0.7, OPTIONS)).toBe(0)
    expect(phiDistance(0.95, OPTIONS)).toBeCloseTo(0.1)
    expect(phiDistance(0.45, OPTIONS)).toBeCloseTo(0.2)
    expect(phiDistance(null, OPTIONS)).toBeNull()
  })
})

describe('codeQuality and exportsChanged', () => {
  it('scores small diffs that parse highest', () => {
    expect(codeQuality({ changedLines: 4, scriptsChecked: 1, scriptsParsed: 1 })).toBe(1)
    expect(codeQuality({ changedLines: 260, scriptsChecked: 0, scriptsParsed: 0 })).toBeCloseTo(0.5)
    expect(codeQuality({ changedLines: 900, scriptsChecked: 1, scriptsParsed: 1 })).toBe(0)
    expect(codeQuality({ changedLines: 4, scriptsChecked: 2, scriptsParsed: 1 })).toBe(0.5)
  })

  it('is the share of export names that differ', () => {
    expect(exportsChanged(['a', 'b'], ['a', 'b'])).toBe(0)
    expect(exportsChanged(['a', 'b', 'c'], ['a', 'b', 'c', 'd'])).toBeCloseTo(0.25)
    expect(exportsChanged(['a'], ['b'])).toBe(1)
    expect(exportsChanged([], [])).toBe(0)
  })
})

describe('fitness', () => {
  it('a settings patch that brings Φ back into its band without hurting the rest scores apply', () => {
    const f = fitness(result({ phi: 0.95, drift: 0.8, errorRate: 0 }, { phi: 0.8, drift: 0.6, errorRate: 0 }), OPTIONS)
    // Φ: healthy after → 1; basin: 0.5 + (0.8 − 0.6) / 4 = 0.55; errors: none before or after → 1.
    expect(f.parts).toEqual({ phi: 1, basin: 0.55, errors: 1, quality: 1 })
    expect(f.score).toBeCloseTo(0.4 + 0.3 * 0.55 + 0.2 + 0.1)
    expect(f.recommendation).toBe('apply')
  })

  it('a patch that makes a measured signal worse is rejected, whatever its score', () => {
    const f = fitness(result({ phi: 0.8, errorRate: 0 }, { phi: 0.8, errorRate: 0.25 }), OPTIONS)
    expect(f.parts.errors).toBe(0)
    expect(f.recommendation).toBe('reject')
  })

  it('with nothing measured after (a worker action) every signal part is 0.5: test more, never apply', () => {
    const f = fitness(result({ phi: 0.95, errorRate: 0.2 }, {}), OPTIONS)
    expect(f.parts).toEqual({ phi: 0.5, basin: 0.5, errors: 0.5, quality: 1 })
    expect(f.score).toBeCloseTo(0.55)
    expect(f.recommendation).toBe('test_more')
  })

  it('a module fix: failing share for Φ, exports for basin, failing tests for errors', () => {
    const fixed = result({ testsPassed: 1, testsFailed: 3, drift: 0 }, { testsPassed: 4, testsFailed: 0, drift: 0.25 }, { passed: true, quality: 0.8 })
    const f = fitness(fixed, OPTIONS)
    expect(f.parts).toEqual({ phi: 1, basin: 0.75, errors: 1, quality: 0.8 })
    expect(f.score).toBeCloseTo(0.4 + 0.3 * 0.75 + 0.2 + 0.08)
    expect(f.recommendation).toBe('apply')
  })

  it('a module whose tests still fail after the patch is rejected, even when fewer fail', () => {
    const f = fitness(result({ testsPassed: 1, testsFailed: 3, drift: 0 }, { testsPassed: 3, testsFailed: 1, drift: 0 }, { passed: false }), OPTIONS)
    expect(f.parts.phi).toBeCloseTo(0.75)
    expect(f.parts.errors).toBeCloseTo(0.5 + 2 / 6)
    expect(f.recommendation).toBe('reject')
  })

  it('below the threshold and no worse: test more; the threshold is the setting given', () => {
    const r = result({ phi: 0.95, drift: 1, errorRate: 0.1 }, { phi: 0.9, drift: 1, errorRate: 0.1 })
    const f = fitness(r, OPTIONS)
    expect(f.recommendation).toBe('test_more')
    expect(createFitnessOf(() => OPTIONS)(r, 0.5).recommendation).toBe('apply')
  })
})
