import { describe, expect, it } from 'vitest'
import type { PlacedModel } from './placement'
import { planQueue, type QueuePlanInput } from './queuePlan'

const MB = 1024 * 1024
const budget = { totalBytes: 1000 * MB, description: '1000 MB' }

function model(modelId: string, over: Partial<PlacedModel> = {}): PlacedModel {
  return { modelId, state: 'ready', bytes: 400 * MB, pinned: false, inFlight: 0, lastUsedAt: 0, ...over }
}
const req = (modelId: string, modelBytes = 400 * MB) => ({ modelId, modelBytes })

function plan(requests: QueuePlanInput['requests'], models: PlacedModel[], over: Partial<QueuePlanInput> = {}) {
  return planQueue({ requests, models, budget, maxWorkers: 8, parallelPerModel: 2, ...over })
}

describe('a pass over the queue', () => {
  it('dispatches to a loaded model up to its parallel sequences, in queue order', () => {
    expect(plan([req('a'), req('a'), req('a')], [model('a')])).toEqual([
      { kind: 'dispatch', index: 0 },
      { kind: 'dispatch', index: 1 },
    ])
    expect(plan([req('a')], [model('a', { state: 'busy', inFlight: 2 })])).toEqual([])
  })

  it('starts a model that fits, once, and counts its memory for the requests after it', () => {
    // Two 400 MB models fit in 1000 MB beside nothing; the third must wait for one of them.
    expect(plan([req('a'), req('a'), req('b'), req('c')], [])).toEqual([
      { kind: 'start', index: 0 },
      { kind: 'start', index: 2 },
    ])
  })

  it('does not starve a request waiting for memory: later, lower-priority work neither keeps models busy nor takes the room', () => {
    // 'a' runs one request and has a free sequence; 'b' (realtime) needs a's memory.
    const models = [model('a', { state: 'busy', inFlight: 1 }), model('p', { pinned: true, bytes: 100 * MB })]
    const actions = plan([req('b', 800 * MB), req('a'), req('c', 100 * MB), req('p')], models)
    // 'b' waits for 'a' to finish; the batch request for 'a' is not dispatched, 'c' is not started
    // (though it would fit); the pinned model, never paged out anyway, still serves.
    expect(actions).toEqual([{ kind: 'dispatch', index: 3 }])
  })

  it('does not block work that can run now: loaded models the waiting request will not page out keep serving', () => {
    // 'b' needs 800 MB: it waits for the busy 'a' (least recently used) to finish; 'd', idle and
    // used more recently, is not needed, so the short request for it runs now.
    const models = [model('a', { state: 'busy', inFlight: 1, lastUsedAt: 1 }), model('d', { bytes: 100 * MB, lastUsedAt: 5 })]
    expect(plan([req('b', 800 * MB), req('a'), req('d'), req('d')], models)).toEqual([
      { kind: 'dispatch', index: 2 },
      { kind: 'dispatch', index: 3 },
    ])
    // Once 'a' is done, 'b' pages it out, though 'd' is busy now.
    const later = [model('a', { lastUsedAt: 6 }), model('d', { bytes: 100 * MB, state: 'busy', inFlight: 2, lastUsedAt: 7 })]
    expect(plan([req('b', 800 * MB), req('a')], later)).toEqual([{ kind: 'page-out', index: 0, victims: ['a'] }])
  })

  it('holds every model the waiting request needs, however recently used', () => {
    // 'b' needs both: neither gets new work until they are idle and paged out.
    const models = [model('a', { state: 'busy', inFlight: 1, lastUsedAt: 1 }), model('d', { bytes: 300 * MB, state: 'busy', inFlight: 1, lastUsedAt: 5 })]
    expect(plan([req('b', 900 * MB), req('a'), req('d')], models)).toEqual([])
  })

  it('pages out for the first request that needs room; the model paged out gets no new work, the others do, and nothing else starts', () => {
    const models = [model('a', { lastUsedAt: 2 }), model('b', { lastUsedAt: 1 })]
    expect(plan([req('c'), req('b'), req('a'), req('e', 100 * MB)], models)).toEqual([
      { kind: 'page-out', index: 0, victims: ['b'] },
      { kind: 'dispatch', index: 2 },
    ])
  })

  it('never pages out a model that a request ahead in the queue waits for', () => {
    const models = [model('a', { lastUsedAt: 1, state: 'busy', inFlight: 2 }), model('b', { lastUsedAt: 2 })]
    // The request for 'a' (no free sequence) is ahead of the one for 'c': 'a' stays, 'b' goes.
    expect(plan([req('a'), req('c')], models)).toEqual([{ kind: 'page-out', index: 1, victims: ['b'] }])
  })

  it('refuses every request for a model that can never fit, and goes on with the others', () => {
    expect(plan([req('huge', 2000 * MB), req('a'), req('huge', 2000 * MB)], [model('a')])).toEqual([
      { kind: 'refuse', index: 0, refusal: { needBytes: 2000 * MB, budgetBytes: 1000 * MB, pinnedBytes: 0, budgetDescription: '1000 MB' } },
      { kind: 'dispatch', index: 1 },
    ])
  })

  it('reports requests for a quarantined model, and leaves those for a model restarting or stopping waiting', () => {
    const models = [model('q', { state: 'quarantined', bytes: 0 }), model('r', { state: 'restarting', bytes: 0 }), model('s', { state: 'stopping' })]
    expect(plan([req('q'), req('r'), req('s')], models)).toEqual([{ kind: 'quarantined', index: 0 }])
  })

  it('sends nothing new to a model that finishes its requests before unloading', () => {
    expect(plan([req('a')], [model('a', { state: 'busy', inFlight: 1, draining: true })])).toEqual([])
  })
})
