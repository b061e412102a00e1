import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { inferenceHosts, waitFor, writeTinyModels } from '../../../../test/inference'
import { tempDir } from '../../../../test/fixtures'
import { ALERTS_PER_MINUTE } from '../host/alertRate'
import { MAX_EXTERNAL_SOURCES } from './HealthMonitor'
import { WardenHost } from '../host/WardenHost'
import { WardenError } from '../../../shared/errors'

const basin = (i: number, sign = 1) => Array.from({ length: 64 }, (_, k) => (k === i ? sign : 0))

describe('the health monitor', () => {
  const hosts = inferenceHosts()

  it('measures personas and their model from real generations: Φ, κ, latency, tokens/s, errors, memory', async () => {
    const h = hosts()
    await writeTinyModels(path.join(h.home, 'models'), 1)
    await h.call('persona.create', { name: 'Ada', model: 'tiny-1', settings: { temperature: 0, maxTokens: 12 } })
    await h.call('persona.chat', { name: 'Ada', prompt: 'Hello there' })
    await h.call('persona.chat', { name: 'Ada', prompt: 'And again' })
    await h.host.health.tick()
    const summary = await h.call('health.summary', { watch: false })
    const persona = summary.sources.find((s) => s.source === 'persona:Ada')!
    const model = summary.sources.find((s) => s.source === 'model:tiny-1')!
    expect(persona.kind).toBe('persona')
    expect(persona.latest!.phi).toBeGreaterThanOrEqual(0)
    expect(persona.latest!.phi).toBeLessThanOrEqual(1)
    expect(persona.latest!.kappa).toBeGreaterThan(0)
    expect(persona.latest!.latencyMs).toBeGreaterThan(0)
    expect(persona.latest!.tokensPerSecond).toBeGreaterThan(0)
    expect(persona.latest!.errorRate).toBe(0)
    expect(model.latest!.memoryBytes).toBeGreaterThan(0)
    expect(model.latest!.restarts).toBe(0)
    // The answers were embedded (by the persona's own model: no embedding model is set) into a basin.
    expect((await h.call('health.baseline', { source: 'persona:Ada' })).snapshots).toBeGreaterThanOrEqual(1)

    // A failed generation counts in the error rate.
    await expect(h.call('persona.chat', { name: 'Ada', prompt: 'x'.repeat(20_000) })).rejects.toThrow()
    await h.host.health.tick()
    const after = (await h.call('health.summary', { watch: false })).sources.find((s) => s.source === 'persona:Ada')!
    expect(after.latest!.errorRate).toBe(1)
  })

  it('raises one alert when a source degrades past the minimum run, and one when it recovers; history survives a restart', async () => {
    const home = tempDir('warden-health-')
    const h = hosts(home)
    const push = (phi: number) => h.call('health.snapshot', { source: 'ocean', phi, kappa_eff: 64, basin_coords: basin(0) })
    for (let i = 0; i < 5; i++) await push(0.75)
    await push(0.55) // one outlier: no alert
    await push(0.75)
    for (let i = 0; i < 3; i++) await push(0.55)
    await waitFor(() => h.events.find((e) => e.event === 'alert' && e.payload.title.includes('ocean')), 'the alert')
    const alerts = () => h.events.filter((e) => e.event === 'alert' && e.payload.title.includes('ocean'))
    expect(alerts()).toHaveLength(1)
    expect(alerts()[0].payload).toMatchObject({ level: 'warning' })
    expect(JSON.stringify(alerts()[0].payload)).toMatch(/Φ 0\.55/)
    const changed = await waitFor(() => h.events.filter((e) => e.event === 'health.changed').at(-1), 'health.changed')
    expect(changed.payload).toMatchObject({ status: 'warning', alerts: [expect.objectContaining({ source: 'ocean', status: 'warning' })] })

    for (let i = 0; i < 3; i++) await push(0.75)
    await waitFor(() => alerts().length === 2 || null, 'the recovery')
    expect(alerts()[1].payload).toMatchObject({ level: 'info' })
    expect((await h.call('health.degradation', { source: 'ocean' })).degraded).toBe(false)

    // A new process on the same home: the window and the baseline come back from the database.
    await hosts.quit(h)
    const again = hosts(home)
    const summary = await again.call('health.summary', { watch: false })
    expect(summary.sources).toEqual([expect.objectContaining({ source: 'ocean', windowSize: 13, status: 'normal' })])
    const history = await again.call('health.history', { source: 'ocean', since: '1h', points: 500 })
    expect(history.points.reduce((n, p) => n + p.count, 0)).toBe(13)
  })

  it('sets a baseline from the last N snapshots and measures drift from it', async () => {
    const h = hosts()
    for (let i = 0; i < 3; i++) await h.call('health.snapshot', { source: 'ocean', phi: 0.75, kappa_eff: 64, basin_coords: basin(1) })
    await h.call('health.baseline', { source: 'ocean', fromLast: 2 })
    const r = await h.call('health.snapshot', { source: 'ocean', phi: 0.75, kappa_eff: 64, basin_coords: basin(1, -1) })
    expect(r.drift).toBeCloseTo(Math.PI, 6)
    await expect(h.call('health.baseline', { source: 'nobody' })).rejects.toThrow(/No health source is called "nobody"/)
    await expect(h.call('health.history', { source: 'ocean', since: 'yesterday-ish', points: 10 })).rejects.toThrow(/since/)
  })

  it('keeps a bounded number of external sources: a client inventing a name per snapshot cannot grow it without end', async () => {
    const h = hosts()
    const push = (source: string) => h.call('health.snapshot', { source, phi: 0.75, kappa_eff: 64, basin_coords: basin(0) })
    for (let i = 0; i < MAX_EXTERNAL_SOURCES; i++) await push(`sys-${i}`)
    await expect(push('one-too-many')).rejects.toThrow(new RegExp(`"one-too-many" would be a new external source, and the monitor already follows ${MAX_EXTERNAL_SOURCES}`))
    // The known ones still report.
    expect((await push('sys-7')).source).toBe('sys-7')
    expect((await h.call('health.summary', { watch: false })).sources).toHaveLength(MAX_EXTERNAL_SOURCES)
  })

  it('forgets an external source once its history is past the retention: a new name is accepted again', async () => {
    const clock = { t: Date.UTC(2026, 11, 1) }
    const host = new WardenHost({ home: tempDir('warden-health-home-'), runtime: 'cli', watch: false, now: () => clock.t })
    try {
      const push = async (source: string) => {
        const r = await host.invoke('health.snapshot', { source, phi: 0.75, kappa_eff: 64, basin_coords: basin(0) })
        if (!r.ok) throw WardenError.from(r.error)
      }
      for (let i = 0; i < MAX_EXTERNAL_SOURCES; i++) await push(`sys-${i}`)
      await expect(push('newcomer')).rejects.toThrow(/would be a new external source/)
      clock.t += 31 * 86_400_000 // past healthRetentionDays (30)
      await host.health.tick() // prunes (hourly while the monitor runs)
      await push('newcomer')
      expect(host.health.summary().sources.map((s) => s.source)).toEqual(['newcomer'])
    } finally {
      host.dispose()
    }
  })

  it('refuses a snapshot dated more than a few minutes ahead: it would silence the source\'s alerts until then', async () => {
    const h = hosts()
    const push = (phi: number, timestamp?: number) => h.call('health.snapshot', { source: 'ocean', phi, kappa_eff: 64, basin_coords: basin(0), timestamp })
    await expect(push(0.75, Date.now() + 12 * 3600_000)).rejects.toThrow(/timestamp: .* is more than 5 minutes in the future/)
    const t0 = Date.now()
    for (let i = 0; i < 4; i++) await push(0.55, t0 + i)
    // Nothing was stored ahead, so the degradation counts as it arrives.
    expect((await h.call('health.degradation', { source: 'ocean' })).degraded).toBe(true)
    expect((await push(0.75)).at).toBeLessThanOrEqual(Date.now() + 1000)
  })

  it('refuses times past the last date a clock can hold, or older than the history kept, with a clear error', async () => {
    const h = hosts()
    const far = h.call('health.snapshot', { source: 'ocean', phi: 0.75, kappa_eff: 64, basin_coords: basin(0), timestamp: 8.64e15 + 1 })
    await expect(far).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/timestamp: 8640000000000001 is more than 5 minutes in the future/) })
    await h.call('health.snapshot', { source: 'ocean', phi: 0.75, kappa_eff: 64, basin_coords: basin(0) })
    const ancient = h.call('health.snapshot', { source: 'ocean', phi: 0.75, kappa_eff: 64, basin_coords: basin(0), timestamp: 1 })
    await expect(ancient).rejects.toMatchObject({ code: 'INVALID_INPUT', message: 'timestamp: 1970-01-01T00:00:00.001Z is older than the health history kept (healthRetentionDays: 30)' })
    const history = h.call('health.history', { source: 'ocean', since: '99999999999999999999' })
    await expect(history).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('since "99999999999999999999" is past the last date a clock can hold') })
  })

  it('a burst of degrading sources raises at most ALERTS_PER_MINUTE toasts and notifications', async () => {
    const h = hosts()
    for (let s = 0; s < ALERTS_PER_MINUTE + 5; s++) {
      for (let i = 0; i < 3; i++) await h.call('health.snapshot', { source: `sys-${s}`, phi: 0.3, kappa_eff: 64, basin_coords: basin(0) })
    }
    const summary = await h.call('health.summary', { watch: false })
    expect(summary.sources.filter((s) => s.status !== 'normal' && s.status !== 'unknown')).toHaveLength(ALERTS_PER_MINUTE + 5)
    expect(h.events.filter((e) => e.event === 'alert' && e.payload.page === 'health')).toHaveLength(ALERTS_PER_MINUTE)
  })

  it('a snapshot that arrives late, dated in the past, takes its place in time: the latest reading stays the newest', async () => {
    const h = hosts()
    const push = (phi: number, timestamp?: number) => h.call('health.snapshot', { source: 'ocean', phi, kappa_eff: 64, basin_coords: basin(0), timestamp })
    await push(0.75)
    await push(0.2, Date.now() - 3600_000)
    const [ocean] = (await h.call('health.summary', { watch: false })).sources
    expect(ocean.latest).toMatchObject({ phi: 0.75 })
    expect(ocean.windowSize).toBe(2)
    expect(ocean.windowFrom).toBeLessThan(ocean.latest!.at)
  })
})
