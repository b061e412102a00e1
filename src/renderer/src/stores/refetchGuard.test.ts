import { describe, expect, it } from 'vitest'
import { WardenError } from '../../../shared/errors'
import { refetchGuard } from './refetchGuard'

/** A fetch whose answers the test gives by hand, in any order. */
function manualFetch() {
  const pending: Array<{ resolve(v: string): void; reject(e: unknown): void }> = []
  let asked = 0
  const fetch = () =>
    new Promise<string>((resolve, reject) => {
      asked++
      pending.push({ resolve, reject })
    })
  return { fetch, pending, asked: () => asked }
}

const settle = () => new Promise((r) => setTimeout(r, 0))

describe('refetchGuard', () => {
  it('runs one fetch at a time: a burst while one is in flight costs one more fetch, after it', async () => {
    const f = manualFetch()
    const shown: string[] = []
    const guard = refetchGuard(f.fetch, { value: (v) => shown.push(v), error: () => undefined })
    const first = guard.run()
    const burst = [guard.run(), guard.run(), guard.run()]
    await settle()
    expect(f.asked()).toBe(1)
    f.pending[0].resolve('before the change')
    await first
    await settle()
    expect(f.asked()).toBe(2) // the answer in flight may predate the change: ask once more
    f.pending[1].resolve('after the change')
    await Promise.all(burst)
    expect(shown).toEqual(['before the change', 'after the change'])
    expect(f.asked()).toBe(2)
  })

  it('resolves a queued call only once the newer answer is applied', async () => {
    const f = manualFetch()
    let shown = ''
    const guard = refetchGuard(f.fetch, { value: (v) => (shown = v), error: () => undefined })
    void guard.run()
    const queued = guard.run()
    f.pending[0].resolve('old')
    await settle()
    f.pending[1].resolve('new')
    await queued
    expect(shown).toBe('new')
  })

  it('drops answers that a reset made stale, and starts afresh', async () => {
    const f = manualFetch()
    const shown: string[] = []
    const guard = refetchGuard(f.fetch, { value: (v) => shown.push(v), error: () => undefined })
    void guard.run()
    void guard.run()
    guard.reset()
    const fresh = guard.run()
    expect(f.asked()).toBe(2) // no waiting behind the fetch the reset abandoned
    f.pending[0].resolve('from the old workspace')
    f.pending[1].resolve('from the new workspace')
    await fresh
    await settle()
    expect(shown).toEqual(['from the new workspace'])
    expect(f.asked()).toBe(2) // the queued run of before the reset never happens
  })

  it('hands failures over as WardenErrors and keeps going', async () => {
    const f = manualFetch()
    const errors: WardenError[] = []
    const guard = refetchGuard(f.fetch, { value: () => undefined, error: (e) => errors.push(e) })
    const failing = guard.run()
    f.pending[0].reject(new WardenError('NO_WORKSPACE', 'No workspace is open'))
    await failing
    expect(errors.map((e) => [e.code, e.message])).toEqual([['NO_WORKSPACE', 'No workspace is open']])
    const again = guard.run()
    f.pending[1].reject(new Error('socket closed'))
    await again
    expect(errors[1]).toBeInstanceOf(WardenError)
    expect(errors[1].message).toMatch(/socket closed/)
  })
})
