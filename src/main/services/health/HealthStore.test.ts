import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../test/fixtures'
import { WardenDatabase } from '../storage/Database'
import { HealthStore, HOUR_MS, MINUTE_MS } from './HealthStore'
import type { StoredSnapshot } from './types'

const T0 = Date.parse('2026-11-01T00:00:00Z')
const DAY = 86_400_000
const open: WardenDatabase[] = []
afterEach(() => {
  while (open.length) open.pop()!.dispose()
})

function openStore(file = path.join(tempDir(), 'warden.db')): { store: HealthStore; file: string; db: WardenDatabase } {
  const db = new WardenDatabase(file)
  open.push(db)
  return { store: new HealthStore(db), file, db }
}

function basin(seed: number): number[] {
  const v = Array.from({ length: 64 }, (_, i) => Math.sin(seed * 7.1 + i * 1.3))
  const norm = Math.hypot(...v)
  return v.map((x) => x / norm)
}

function snap(at: number, values: Partial<StoredSnapshot> = {}): StoredSnapshot {
  return {
    source: 'persona:Ada', kind: 'persona', at,
    phi: 0.7, kappa: 64, drift: 0.2, confidence: 0.8, surprise: 0.3, agency: 0.5,
    latencyMs: 500, ttftMs: 90, tokensPerSecond: 35, errorRate: 0, queueWaitMs: 5, memoryBytes: 2e9, restarts: 0,
    status: 'normal', basin: null, ...values,
  }
}

describe('health store', () => {
  it('keeps snapshots with their basins, returns the latest n oldest first, and lists sources with their last snapshot', () => {
    const { store, file } = openStore()
    const ada = [0, 1, 2, 3].map((i) => snap(T0 + i * MINUTE_MS, { phi: 0.6 + i / 100, basin: basin(i) }))
    for (const s of ada) store.insert(s)
    store.insert(snap(T0, { source: 'model:tiny', kind: 'model', phi: null, kappa: null, drift: null, latencyMs: 1200 }))
    expect(store.recent('persona:Ada', 2)).toEqual(ada.slice(2))
    // Basins round-trip exactly (drift is measured against them).
    expect(store.recent('persona:Ada', 10)[0].basin).toEqual(basin(0))
    expect(store.recent('nobody', 5)).toEqual([])
    // Survives a reopen.
    open.pop()!.dispose()
    const again = openStore(file).store
    const sources = again.sources()
    expect(sources.map((s) => [s.source, s.kind, s.lastAt])).toEqual([['model:tiny', 'model', T0], ['persona:Ada', 'persona', T0 + 3 * MINUTE_MS]])
    expect(sources[0].last).toMatchObject({ phi: null, latencyMs: 1200, basin: null })
    expect(sources[1].last).toEqual(ada[3])
  })

  it('charts raw snapshots as they are, and downsamples to at most `points` buckets with mean, min and max', () => {
    const { store } = openStore()
    // One snapshot every 10 s for 10 minutes; Φ counts up; latency missing on odd ones.
    const all = Array.from({ length: 60 }, (_, i) => snap(T0 + i * 10_000, { phi: i / 100, latencyMs: i % 2 ? null : 100 * i }))
    store.insertMany(all)
    const whole = store.history('persona:Ada', T0, T0 + 10 * MINUTE_MS, 500)
    expect(whole.resolution).toBe('raw')
    expect(whole.points).toHaveLength(60)
    expect(whole.points[5]).toMatchObject({ at: T0 + 50_000, count: 1, values: { phi: 0.05, latencyMs: null } })

    const six = store.history('persona:Ada', T0, T0 + 10 * MINUTE_MS - 1, 6)
    expect(six.resolution).toBe('raw')
    expect(six.points).toHaveLength(6)
    // Each bucket is 100 s: 10 snapshots.
    expect(six.points[1].at).toBe(T0 + 100_000)
    expect(six.points[1].count).toBe(10)
    expect(six.points[1].values.phi).toBeCloseTo(0.145, 9)
    expect(six.points[1].min).toMatchObject({ phi: 0.1, latencyMs: 1000 })
    expect(six.points[1].max).toMatchObject({ phi: 0.19, latencyMs: 1800 })
    expect(six.points[1].values.latencyMs).toBeCloseTo(1400, 9)
  })

  it('keeps minute and hour roll-ups as snapshots arrive, one by one or in a batch alike', () => {
    const { store: one, db: oneDb } = openStore()
    const { store: batch, db: batchDb } = openStore()
    // Two snapshots a minute for 3 hours, with gaps in κ.
    const all = Array.from({ length: 360 }, (_, i) => snap(T0 + i * 30_000, { kappa: i % 3 ? 60 + (i % 7) : null, phi: 0.5 + (i % 10) / 100 }))
    for (const s of all) one.insert(s)
    // The batch arrives out of order.
    batch.insertMany([...all.slice(200), ...all.slice(0, 200)])
    const oneRead = oneDb.db
    const batchRead = batchDb.db
    for (const table of ['health_minutes', 'health_hours']) {
      const q = `SELECT * FROM ${table} ORDER BY source, bucket`
      expect(batchRead.prepare(q).all()).toEqual(oneRead.prepare(q).all())
    }
    const hours = oneRead.prepare('SELECT bucket, count, kappa_n, kappa_min, kappa_max, phi_sum FROM health_hours ORDER BY bucket').all() as Array<Record<string, number>>
    expect(hours.map((h) => [h.bucket, h.count, h.kappa_n])).toEqual([[T0, 120, 80], [T0 + HOUR_MS, 120, 80], [T0 + 2 * HOUR_MS, 120, 80]])
    expect(hours[0].kappa_min).toBe(60)
    expect(hours[0].kappa_max).toBe(66)
    expect(hours[0].phi_sum).toBeCloseTo(120 * 0.545, 9)
  })

  it('chooses the finest resolution that fits the range: raw, minute roll-ups, hour roll-ups', () => {
    const { store } = openStore()
    // Every 5 s for 2 days (34,560 snapshots), plus one an hour for the 20 days before.
    const dense = Array.from({ length: (2 * DAY) / 5000 }, (_, i) => snap(T0 + 20 * DAY + i * 5000, { phi: 0.7 + 0.1 * Math.sin(i / 500) }))
    const sparse = Array.from({ length: 20 * 24 }, (_, i) => snap(T0 + i * HOUR_MS, { phi: 0.7 }))
    store.insertMany([...sparse, ...dense])
    const end = T0 + 22 * DAY
    // 15 minutes: 180 snapshots, raw.
    expect(store.history('persona:Ada', end - 15 * MINUTE_MS, end, 500)).toMatchObject({ resolution: 'raw' })
    // 6 hours: 4,320 snapshots, still raw, downsampled to 500 buckets at most.
    const sixHours = store.history('persona:Ada', end - 6 * HOUR_MS, end, 500)
    expect(sixHours.resolution).toBe('raw')
    expect(sixHours.points.length).toBeLessThanOrEqual(500)
    expect(sixHours.points.reduce((n, p) => n + p.count, 0)).toBe(4320)
    // A day: 17,280 snapshots, from the minute roll-up, and the counts still add up.
    const day = store.history('persona:Ada', end - DAY, end - 1, 300)
    expect(day.resolution).toBe('minute')
    expect(day.points.length).toBeLessThanOrEqual(300)
    expect(day.points.reduce((n, p) => n + p.count, 0)).toBe(17_280)
    expect(Math.min(...day.points.map((p) => p.min!.phi!))).toBeCloseTo(0.6, 3)
    // A month: the hour roll-up; all 22 days of snapshots are there.
    const month = store.history('persona:Ada', end - 30 * DAY, end, 500)
    expect(month.resolution).toBe('hour')
    expect(month.points.reduce((n, p) => n + p.count, 0)).toBe(480 + 34_560)
    expect(month.points.length).toBeLessThanOrEqual(500)
  })

  it('prunes raw snapshots after two days and roll-ups after the retention; charts fall back to the roll-ups', () => {
    const { store } = openStore()
    const now = T0 + 40 * DAY
    // One snapshot every 10 minutes for the last 40 days; a second source silent for 35 days.
    store.insertMany(Array.from({ length: 40 * 144 }, (_, i) => snap(T0 + i * 10 * MINUTE_MS)))
    store.insertMany([snap(T0, { source: 'old', kind: 'external' })])
    store.setBaseline('old', basin(1), T0, 'automatic')
    const pruned = store.prune(now, 30)
    expect(pruned.sources).toBe(1)
    expect(store.sources().map((s) => s.source)).toEqual(['persona:Ada'])
    expect(store.recent('persona:Ada', 100_000)[0].at).toBeGreaterThanOrEqual(now - 2 * DAY)
    expect(store.recent('persona:Ada', 100_000)).toHaveLength(2 * 144)
    expect(store.baseline('old')).not.toBeNull()
    // Ten days ago: the raw snapshots are gone, the minute roll-up still charts the hour.
    const hour = store.history('persona:Ada', now - 10 * DAY, now - 10 * DAY + HOUR_MS, 500)
    expect(hour).toMatchObject({ resolution: 'minute' })
    expect(hour.points.map((p) => p.count)).toEqual([1, 1, 1, 1, 1, 1, 1])
    // Beyond the retention, nothing.
    expect(store.history('persona:Ada', now - 35 * DAY, now - 31 * DAY, 500).points).toEqual([])
    const month = store.history('persona:Ada', now - 30 * DAY, now, 1000)
    expect(month.points.reduce((n, p) => n + p.count, 0)).toBe(30 * 144)
    // Pruning again removes nothing more.
    expect(store.prune(now, 30)).toEqual({ snapshots: 0, minutes: 0, hours: 0, sources: 0 })
  })

  it('keeps a baseline per source, replaced when set again', () => {
    const { store, file } = openStore()
    store.setBaseline('persona:Ada', basin(1), T0, 'last 20 snapshots')
    store.setBaseline('persona:Bo', basin(2), T0, 'automatic')
    store.setBaseline('persona:Ada', basin(3), T0 + 5, 'last 5 snapshots')
    open.pop()!.dispose()
    const again = openStore(file).store
    expect(again.baseline('persona:Ada')).toEqual({ source: 'persona:Ada', basin: basin(3), setAt: T0 + 5, from: 'last 5 snapshots' })
    expect(again.baselines().map((b) => b.source)).toEqual(['persona:Ada', 'persona:Bo'])
    expect(again.clearBaseline('persona:Bo')).toBe(true)
    expect(again.baseline('persona:Bo')).toBeNull()
    expect(() => again.setBaseline('x', [0.1, Number.NaN], T0, 'automatic')).toThrow(/finite numbers/)
  })

  it('says which sources exist when asked for an unknown one, and refuses a backwards range and non-numbers', () => {
    const { store, db } = openStore()
    expect(() => store.history('persona:Ada', T0, T0 + 1, 10)).toThrow(/No health history for source "persona:Ada"/)
    store.insert(snap(T0))
    let thrown: unknown = null
    try {
      store.history('persona:Adda', T0, T0 + 1, 10)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toMatchObject({ code: 'NOT_FOUND', hint: 'Sources with history: persona:Ada' })
    expect(() => store.history('persona:Ada', T0 + 1, T0, 10)).toThrow(/must run forwards/)
    expect(() => store.insert(snap(Number.NaN))).toThrow(/no valid time/)
    // A figure that is not a number is stored as not measured, in the snapshot and its roll-ups alike.
    store.insert(snap(T0 + 1000, { latencyMs: Number.POSITIVE_INFINITY, phi: Number.NaN }))
    expect(store.recent('persona:Ada', 1)[0]).toMatchObject({ latencyMs: null, phi: null, kappa: 64 })
    const chart = store.history('persona:Ada', T0 + 1000, T0 + 2 * MINUTE_MS + 1000, 2)
    expect(chart.points).toEqual([expect.objectContaining({ count: 1, values: expect.objectContaining({ latencyMs: null, phi: null, kappa: 64 }) })])
    expect(db.db.prepare('SELECT count, latency_ms_n, phi_n, kappa_n FROM health_minutes WHERE bucket = ?').get(T0)).toEqual({ count: 2, latency_ms_n: 1, phi_n: 1, kappa_n: 2 })
  })
})
