import { describe, expect, it } from 'vitest'
import { threadsPerWorker } from './threads'

describe('thread assignment', () => {
  it('shares the cores less one among the running workers, never below one thread', () => {
    expect(threadsPerWorker(1, 2)).toBe(1)
    expect(threadsPerWorker(3, 2)).toBe(1)
    expect(threadsPerWorker(1, 8)).toBe(7)
    expect(threadsPerWorker(2, 8)).toBe(3)
    expect(threadsPerWorker(3, 16)).toBe(5)
    expect(threadsPerWorker(20, 16)).toBe(1)
    expect(threadsPerWorker(0, 1)).toBe(1)
  })
})
