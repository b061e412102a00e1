import { describe, expect, it } from 'vitest'
import type { LifecycleState } from './lifecycleStates'
import { placedModelBytes, planIdleUnload, planPlacement, planTrim, refusalError, type PlacedModel, type PlacementInput } from './placement'

const MB = 1024 * 1024
const budget = { totalBytes: 1000 * MB, description: '1000 MB (maxVRAM setting)' }

function model(modelId: string, over: Partial<PlacedModel> = {}): PlacedModel {
  return { modelId, state: 'ready', bytes: 300 * MB, pinned: false, inFlight: 0, lastUsedAt: 0, ...over }
}

function plan(models: PlacedModel[], over: Partial<PlacementInput> = {}) {
  return planPlacement({ budget, maxWorkers: 8, models, request: { modelId: 'new', modelBytes: 300 * MB }, ...over })
}

describe('placement of a model', () => {
  it('starts it when it fits beside what is loaded', () => {
    expect(plan([model('a'), model('b')])).toEqual({ kind: 'start' })
  })

  it('pages out idle models least recently used first, and only as many as it needs', () => {
    const models = [model('a', { lastUsedAt: 30 }), model('b', { lastUsedAt: 10 }), model('c', { lastUsedAt: 20 })]
    expect(plan(models)).toEqual({ kind: 'page-out', victims: ['b'] })
    expect(plan(models, { request: { modelId: 'new', modelBytes: 600 * MB } })).toEqual({ kind: 'page-out', victims: ['b', 'c'] })
  })

  it('pages out for want of a worker slot as well as memory (maxConcurrentWorkers)', () => {
    expect(plan([model('a', { bytes: MB, lastUsedAt: 5 }), model('b', { bytes: MB, lastUsedAt: 1 })], { maxWorkers: 2 })).toEqual({ kind: 'page-out', victims: ['b'] })
  })

  it('never pages out a pinned model, one with requests in flight, or one still loading', () => {
    const models = [
      model('pinned', { pinned: true, lastUsedAt: 1 }),
      model('busy', { state: 'busy', inFlight: 1, lastUsedAt: 2 }),
      model('starting', { state: 'starting', lastUsedAt: 3 }),
      model('idle', { lastUsedAt: 4, bytes: 100 * MB }),
    ]
    // 1000 MB: 900 held by the first three, 100 by the idle one; paging out the idle one is not enough.
    expect(plan(models)).toEqual({ kind: 'wait', why: 'busy' })
    expect(plan(models, { request: { modelId: 'new', modelBytes: 100 * MB } })).toEqual({ kind: 'page-out', victims: ['idle'] })
  })

  it('keeps the models that requests ahead in the queue wait for', () => {
    const models = [model('a', { lastUsedAt: 1 }), model('b', { lastUsedAt: 2 }), model('c', { lastUsedAt: 3 })]
    expect(plan(models, { protectedIds: new Set(['a']) })).toEqual({ kind: 'page-out', victims: ['b'] })
  })

  it('waits, paging out nothing more, while processes already stopping free enough', () => {
    const models = [model('a', { state: 'stopping' }), model('b', { lastUsedAt: 1 }), model('c', { lastUsedAt: 2 })]
    expect(plan(models)).toEqual({ kind: 'wait', why: 'freeing' })
  })

  it('after a crash, restarts only without paging anything out', () => {
    const models = [model('a'), model('b'), model('c')]
    expect(plan(models, { allowPageOut: false })).toEqual({ kind: 'wait', why: 'busy' })
    expect(plan([model('a')], { allowPageOut: false })).toEqual({ kind: 'start' })
  })

  it('refuses a model that can never fit, with the numbers', () => {
    const d = plan([], { request: { modelId: 'huge', modelBytes: 1200 * MB } })
    expect(d).toEqual({ kind: 'refuse', refusal: { needBytes: 1200 * MB, budgetBytes: 1000 * MB, pinnedBytes: 0, budgetDescription: budget.description } })
    if (d.kind !== 'refuse') return
    const e = refusalError('Huge', d.refusal)
    expect(e.code).toBe('DOES_NOT_FIT')
    expect(e.message).toBe('Huge needs about 1.2 GB, but the memory budget is 1000 MB (1000 MB (maxVRAM setting))')
    expect(e.hint).toMatch(/smaller model/)
  })

  it('refuses a model that fits the budget but not beside the pinned models, and says to unpin', () => {
    const d = plan([model('p', { pinned: true, bytes: 800 * MB }), model('q', { state: 'stopped', bytes: 0, pinned: true })])
    expect(d).toMatchObject({ kind: 'refuse', refusal: { pinnedBytes: 800 * MB } })
    if (d.kind !== 'refuse') return
    const e = refusalError('New', d.refusal)
    expect(e.message).toMatch(/and pinned models hold 800 MB/)
    expect(e.hint).toMatch(/Unpin/)
  })

  it('counts what is loaded with the model (adapters) as part of what it needs', () => {
    const models = [model('a', { lastUsedAt: 1 }), model('b', { lastUsedAt: 2 })]
    expect(plan(models, { request: { modelId: 'new', modelBytes: 300 * MB, extraBytes: 0 } })).toEqual({ kind: 'start' })
    expect(plan(models, { request: { modelId: 'new', modelBytes: 300 * MB, extraBytes: 200 * MB } })).toEqual({ kind: 'page-out', victims: ['a'] })
  })

  it('ignores models without a process and the requested model itself', () => {
    const gone: LifecycleState[] = ['stopped', 'restarting', 'quarantined', 'crashed']
    expect(plan([...gone.map((state, i) => model(`g${i}`, { state, bytes: 900 * MB })), model('new', { state: 'stopped', bytes: 900 * MB })])).toEqual({ kind: 'start' })
  })
})

describe('the size a model is placed with', () => {
  const size = (learnedBytes: number | null, roomBytes = 1000 * MB) => placedModelBytes({ estimateBytes: 300 * MB, learnedBytes, runtimeBytes: 100 * MB, roomBytes })

  it('is its estimate until a load of it was measured, then what that load cost, larger or smaller', () => {
    expect(size(null)).toBe(300 * MB)
    expect(size(500 * MB)).toBe(500 * MB)
    expect(size(200 * MB)).toBe(200 * MB)
  })

  it('never refuses a model on a learned size alone: the estimate when that fits and the learned size cannot', () => {
    // Learned 1.2 GB on a 1000 MB budget: placed with its 300 MB estimate, which fits, not refused.
    expect(size(1200 * MB)).toBe(300 * MB)
    expect(plan([], { request: { modelId: 'new', modelBytes: size(1200 * MB), runtimeBytes: 100 * MB } })).toEqual({ kind: 'start' })
    // The room left beside pinned models counts the same way; a learned size smaller than the estimate stays.
    expect(size(800 * MB, 700 * MB)).toBe(300 * MB)
    expect(size(250 * MB, 200 * MB)).toBe(250 * MB)
  })
})

describe('trimming after a load that took more than its estimate', () => {
  it('pages out idle models, least recently used first, until the total fits again', () => {
    const models = [model('loaded', { bytes: 500 * MB, lastUsedAt: 0 }), model('a', { lastUsedAt: 2 }), model('b', { lastUsedAt: 1 }), model('c', { lastUsedAt: 3, pinned: true })]
    // 1400 MB in a 1000 MB budget: 'b' then 'a' (the pinned one and the one just loaded stay).
    expect(planTrim({ totalBytes: budget.totalBytes, models, keepId: 'loaded', protectedIds: new Set() })).toEqual(['b', 'a'])
    expect(planTrim({ totalBytes: budget.totalBytes, models, keepId: 'loaded', protectedIds: new Set(['b']) })).toEqual(['a'])
    expect(planTrim({ totalBytes: 2000 * MB, models, keepId: 'loaded', protectedIds: new Set() })).toEqual([])
  })
})

describe('unloading idle models', () => {
  it('unloads models idle for longer than the setting, never a pinned one or one that requests wait for', () => {
    const models = [model('old', { lastUsedAt: 0 }), model('recent', { lastUsedAt: 50_000 }), model('pinned', { pinned: true, lastUsedAt: 0 }), model('wanted', { lastUsedAt: 0 }), model('busy', { state: 'busy', inFlight: 1, lastUsedAt: 0 })]
    expect(planIdleUnload({ models, protectedIds: new Set(['wanted']), now: 70_000, idleMs: 60_000 })).toEqual(['old'])
    expect(planIdleUnload({ models, protectedIds: new Set(), now: 70_000, idleMs: 0 })).toEqual([])
  })
})
