import { describe, expect, it } from 'vitest'
import { expectError } from '../../../../test/fixtures'
import { WardenError } from '../../../shared/errors'
import { RequestQueue } from './RequestQueue'
import type { ModelRef } from './types'

const model: ModelRef = { id: 'tiny-1', name: 'Tiny', path: '/models/tiny-1.gguf', estimateBytes: 1000 }
const run = async () => 'done'

function setup() {
  const left: string[] = []
  const queue = new RequestQueue(Date.now, (reason) => left.push(reason))
  const add = (over: { priority?: number; signal?: AbortSignal; timeoutMs?: number; maxQueueSize?: number; maxQueuePerModel?: number } = {}, m = model) =>
    queue.add(m, { priority: 70, timeoutMs: 60_000, loaded: false, maxQueueSize: 10, maxQueuePerModel: 10, ...over }, run)
  return { queue, left, add }
}

describe('the request queue', () => {
  it('orders by priority, first in first out within one, and answers BUSY beyond maxQueueSize', async () => {
    const { queue, add } = setup()
    const batch = add({ priority: 50 })
    const system = add({ priority: 100 })
    const realtime = add({ priority: 90, maxQueueSize: 3 })
    expect(queue.values().map((j) => j.priority)).toEqual([100, 90, 50])
    const busy = await expectError(add({ maxQueueSize: 3 }))
    expect(busy.code).toBe('BUSY')
    expect(busy.message).toBe('Warden is busy: 3 requests are already waiting (maxQueueSize 3)')
    expect(queue.countFor('tiny-1')).toBe(3)
    queue.rejectWhere(() => true, new WardenError('UNAVAILABLE', 'Warden is shutting down'))
    for (const p of [batch, system, realtime]) expect((await expectError(p)).code).toBe('UNAVAILABLE')
    expect(queue.size).toBe(0)
  })

  it('limits each model to maxQueuePerModel, and never refuses the first request for a model however full the queue is', async () => {
    const { queue, add } = setup()
    const other: ModelRef = { ...model, id: 'tiny-2', name: 'Other' }
    const waiting = [add({ maxQueuePerModel: 2 }), add({ maxQueuePerModel: 2 })]
    const perModel = await expectError(add({ maxQueuePerModel: 2 }))
    expect(perModel.code).toBe('BUSY')
    expect(perModel.message).toBe('Tiny is busy: 2 requests for it are already waiting (maxQueuePerModel 2)')
    expect(perModel.hint).toMatch(/maxQueuePerModel/)
    // The queue is full (maxQueueSize 2), but nothing waits for the other model: it gets a place.
    waiting.push(add({ maxQueueSize: 2 }, other))
    expect(queue.countFor('tiny-2')).toBe(1)
    // Its second request is beyond the global limit.
    const global = await expectError(add({ maxQueueSize: 2 }, other))
    expect(global.message).toBe('Warden is busy: 3 requests are already waiting (maxQueueSize 2)')
    queue.rejectWhere(() => true, new WardenError('UNAVAILABLE', 'Warden is shutting down'))
    for (const p of waiting) await expectError(p)
  })

  it('times out a request that waits too long, and aborts one that already runs instead', async () => {
    const { queue, left, add } = setup()
    const waiting = add({ timeoutMs: 20 })
    const e = await expectError(waiting)
    expect(e.code).toBe('TIMEOUT')
    expect(e.message).toMatch(/The request to Tiny waited 0 s without starting/)
    expect(left).toEqual(['timeout'])
    expect(queue.size).toBe(0)

    const running = add({ timeoutMs: 20 })
    const [job] = queue.values()
    expect(queue.take(job)).toBe(true)
    await new Promise<void>((resolve) => job.abort.signal.addEventListener('abort', () => resolve()))
    expect(job.timedOut).toBe(true)
    expect(left).toEqual(['timeout']) // it did not leave the queue: it had left already
    job.resolve({ value: 'partial', waitedMs: 0, loaded: false, evicted: [] })
    expect((await running).value).toBe('partial')
  })

  it('cancels a waiting request, and refuses one whose signal was already aborted', async () => {
    const { queue, left, add } = setup()
    const controller = new AbortController()
    const waiting = add({ signal: controller.signal })
    controller.abort()
    const e = await expectError(waiting)
    expect(e.code).toBe('CANCELLED')
    expect(e.message).toBe('The request to Tiny was cancelled before it started')
    expect(left).toEqual(['cancelled'])
    expect(queue.size).toBe(0)
    expect((await expectError(add({ signal: controller.signal }))).code).toBe('CANCELLED')
  })
})
