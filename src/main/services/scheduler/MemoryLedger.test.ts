import { describe, expect, it } from 'vitest'
import { MemoryLedger } from './MemoryLedger'

describe('memory reservations', () => {
  it('counts what is held until released, and a second release changes nothing', () => {
    const ledger = new MemoryLedger()
    const a = ledger.reserve(300, 'a')
    const b = ledger.reserve(200, 'b')
    expect(ledger.usedBytes).toBe(500)
    a.release()
    a.release()
    expect(ledger.usedBytes).toBe(200)
    expect(a).toMatchObject({ bytes: 0, released: true })
    b[Symbol.dispose]()
    b.release()
    expect(ledger.usedBytes).toBe(0)
    expect(ledger.reservations).toEqual([])
  })

  it('grows to what a model measured (never shrinks), releases all of it, and remembers the peak', () => {
    const ledger = new MemoryLedger()
    const a = ledger.reserve(300, 'a')
    a.growTo(450)
    a.growTo(100)
    expect(a.bytes).toBe(450)
    const b = ledger.reserve(100, 'b')
    expect(ledger.usedBytes).toBe(550)
    a.release()
    a.growTo(1000) // released: nothing more is counted
    expect(ledger.usedBytes).toBe(100)
    expect(ledger.peakBytes).toBe(550)
    b.release()
    expect(ledger.usedBytes).toBe(0)
  })

  it('resizes to a measurement below the prediction as well as above it', () => {
    const ledger = new MemoryLedger()
    const a = ledger.reserve(300, 'a')
    a.resizeTo(120)
    expect(ledger.usedBytes).toBe(120)
    a.resizeTo(500)
    expect(ledger.usedBytes).toBe(500)
    expect(ledger.peakBytes).toBe(500)
    a.release()
    a.resizeTo(50)
    expect(ledger.usedBytes).toBe(0)
  })

  it('refuses a negative or unknown size', () => {
    expect(() => new MemoryLedger().reserve(-1, 'x')).toThrow(/Cannot reserve -1 bytes for x/)
    expect(() => new MemoryLedger().reserve(NaN, 'x')).toThrow(RangeError)
  })
})
