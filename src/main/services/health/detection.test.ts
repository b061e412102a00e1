import { describe, expect, it } from 'vitest'
import type { HealthSnapshot } from '../../../shared/contract/domains/health'
import { detect, emptyDetectorState, regimeOf, trends, worstStatus } from './detection'
import type { Detection, HealthThresholds } from './types'

const T: HealthThresholds = { phiMin: 0.65, phiMax: 0.85, driftMax: 2, errorRateMax: 0.05, latencyMaxMs: 2000, alertAfter: 3 }
const T0 = Date.parse('2026-12-02T10:00:00Z')
const MIN = 60_000

function snap(i: number, values: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    source: 'persona:Ada', kind: 'persona', at: T0 + i * MIN,
    phi: 0.75, kappa: 64, drift: 0.3, confidence: 0.8, surprise: 0.2, agency: 0.5,
    latencyMs: 400, ttftMs: 80, tokensPerSecond: 40, errorRate: 0, queueWaitMs: 0, memoryBytes: 1e9, restarts: 0,
    status: 'normal', ...values,
  }
}

/** Runs a sequence through the detector, returning every step's detection. */
function run(seq: Array<Partial<HealthSnapshot>>, t = T): Detection[] {
  let state = emptyDetectorState()
  return seq.map((values, i) => {
    const s = snap(i, values)
    const d = detect(state, s, t, s.at)
    state = d.state
    return d
  })
}

describe('degradation detection', () => {
  it('a single outlier never alerts; alertAfter consecutive snapshots past a threshold do', () => {
    const outlier = run([{}, { phi: 0.5 }, {}, { phi: 0.5 }, { phi: 0.5 }, {}])
    expect(outlier.map((d) => d.status)).toEqual(['normal', 'normal', 'normal', 'normal', 'normal', 'normal'])

    const sustained = run([{}, { phi: 0.91 }, { phi: 0.9 }, { phi: 0.91 }, { phi: 0.92 }])
    expect(sustained.map((d) => d.status)).toEqual(['normal', 'normal', 'normal', 'warning', 'warning'])
    const issue = sustained[4].issues[0]
    expect(issue).toMatchObject({ metric: 'phi_high', severity: 'warning', value: 0.92, threshold: 0.85, since: T0 + MIN })
    expect(issue.message).toBe('Φ 0.92 above 0.85 for 4 snapshots: answers are repetitive — check sampling settings (temperature, repeat penalty) and the genome')
  })

  it('clears after alertAfter snapshots back inside by the margin; hovering on the line keeps the issue', () => {
    const seq = [{ phi: 0.6 }, { phi: 0.6 }, { phi: 0.6 }, { phi: 0.66 }, { phi: 0.655 }, { phi: 0.66 }, { phi: 0.7 }, { phi: 0.7 }, { phi: 0.7 }]
    const out = run(seq)
    // 0.655–0.66 is inside the threshold but within its 2% margin (0.663): not a recovery yet.
    expect(out.map((d) => d.status)).toEqual(['normal', 'normal', 'warning', 'warning', 'warning', 'warning', 'warning', 'warning', 'normal'])
    expect(out[5].issues[0]).toMatchObject({ metric: 'phi_low', value: 0.66, since: T0 })
    expect(out[8].issues).toEqual([])
    // Raised again later, since starts at the new run.
    const again = run([...seq, { phi: 0.45 }, { phi: 0.45 }, { phi: 0.45 }])
    expect(again[11].issues[0]).toMatchObject({ metric: 'phi_low', since: T0 + 9 * MIN, severity: 'critical' })
  })

  it('far past a threshold, or two issues at once, is critical', () => {
    const far = run([{ latencyMs: 7000 }, { latencyMs: 7000 }, { latencyMs: 7000 }])
    expect(far[2]).toMatchObject({ status: 'critical', issues: [{ metric: 'latency', severity: 'critical' }] })
    expect(far[2].issues[0].message).toMatch(/^Latency 7000 ms above 2000 ms for 3 snapshots: answers are slow — check the queue/)

    const two = run([{ drift: 2.2, errorRate: 0.08 }, { drift: 2.3, errorRate: 0.08 }, { drift: 2.4, errorRate: 0.1 }])
    expect(two[2].status).toBe('critical')
    expect(two[2].issues.map((i) => [i.metric, i.severity])).toEqual([['drift', 'warning'], ['error_rate', 'warning']])
    expect(two[2].issues[1].message).toMatch(/^Error rate 10% above 5% for 3 snapshots: generations fail/)
    expect(two[2].issues[0].message).toMatch(/^Basin drift 2.40 rad above 2.00 for 3 snapshots: .*set a new baseline/)
  })

  it('a snapshot that does not measure a metric neither raises nor clears it; the same snapshot twice counts once', () => {
    const out = run([{ errorRate: 0.2 }, { errorRate: null }, { errorRate: 0.2 }, { errorRate: 0.2 }, { errorRate: null }])
    expect(out.map((d) => d.status)).toEqual(['normal', 'normal', 'normal', 'critical', 'critical'])
    expect(out[4].issues[0]).toMatchObject({ metric: 'error_rate', value: 0.2 })

    const s = snap(0, { phi: 0.3 })
    let state = emptyDetectorState()
    for (let i = 0; i < 5; i++) state = detect(state, s, T, s.at).state
    expect(detect(state, s, T, s.at).issues).toEqual([])
  })

  it('unknown without measurements or when the source stopped reporting; alertAfter 1 alerts at once', () => {
    const blank = snap(0, { phi: null, drift: null, errorRate: null, latencyMs: null })
    expect(detect(null, blank, T, blank.at).status).toBe('unknown')
    const s = snap(0)
    expect(detect(null, s, { ...T, staleAfterMs: 5 * MIN }, s.at + 10 * MIN).status).toBe('unknown')
    expect(detect(null, s, { ...T, staleAfterMs: 5 * MIN }, s.at + MIN).status).toBe('normal')
    expect(run([{ phi: 0.6 }], { ...T, alertAfter: 1 })[0].status).toBe('warning')
  })

  it('regimes, worst status', () => {
    expect([0.5, 0.65, 0.8, 0.85, 0.9, null].map((p) => regimeOf(p, T))).toEqual(['uncertain', 'stable', 'stable', 'stable', 'breakdown', 'unknown'])
    expect(worstStatus([])).toBe('unknown')
    expect(worstStatus(['normal', 'unknown', 'warning'])).toBe('warning')
    expect(worstStatus(['warning', 'critical', 'normal'])).toBe('critical')
  })
})

describe('trends', () => {
  it('least-squares slope per hour of each metric; null with fewer than 3 points', () => {
    // Φ falls 0.01 a minute (0.6 an hour) plus alternating noise (its own slope: -0.0206 an hour); latency rises 10 ms a minute.
    const noise = [0.002, -0.002, 0.002, -0.002, 0.002, -0.002]
    const window = noise.map((e, i) => snap(i, { phi: 0.8 - 0.01 * i + e, latencyMs: 400 + 10 * i, drift: i < 2 ? 0.5 : null, kappa: 64 }))
    const t = trends(window)
    expect(t.phi).toBeCloseTo(-0.6206, 3)
    expect(t.latencyMs).toBeCloseTo(600, 6)
    expect(t.kappa).toBeCloseTo(0, 9)
    expect(t.drift).toBeNull()
    expect(trends(window.slice(0, 2)).phi).toBeNull()
    // Exact on a clean line, in any order.
    const line = [3, 0, 2, 1].map((i) => snap(i * 30, { memoryBytes: 1e9 + i * 5e6 }))
    expect(trends(line).memoryBytes).toBeCloseTo(1e7, 3)
  })
})
