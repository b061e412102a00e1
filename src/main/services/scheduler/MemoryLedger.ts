/**
 * Memory counted against the budget, as reservations (node-llama-cpp's
 * `MemoryOrchestrator.reserveMemory` → a disposable reservation). A model's reservation is taken
 * before its worker starts and released by its lifecycle once the process has exited, so what is
 * counted is never less than what the processes hold.
 */
export class MemoryLedger {
  private readonly held = new Set<MemoryReservation>()
  private used = 0
  private peak = 0

  /** Bytes held by unreleased reservations. */
  get usedBytes(): number {
    return this.used
  }

  /** Most bytes ever held at once (the paging test checks it against the budget). */
  get peakBytes(): number {
    return this.peak
  }

  /** Reservations not yet released. */
  get reservations(): readonly MemoryReservation[] {
    return [...this.held]
  }

  reserve(bytes: number, owner: string): MemoryReservation {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`Cannot reserve ${bytes} bytes for ${owner}`)
    const reservation = new MemoryReservation(owner, bytes, {
      grow: (by) => this.add(by),
      shrink: (by) => void (this.used -= by),
      release: (r) => {
        this.held.delete(r)
        this.used -= r.bytes
      },
    })
    this.held.add(reservation)
    this.add(bytes)
    return reservation
  }

  private add(bytes: number): void {
    this.used += bytes
    this.peak = Math.max(this.peak, this.used)
  }
}

/** Bytes held for one owner until `release()`; releasing twice is a no-op. */
export class MemoryReservation implements Disposable {
  private held: number
  private done = false

  constructor(
    readonly owner: string,
    bytes: number,
    private readonly ledger: { grow(by: number): void; shrink(by: number): void; release(r: MemoryReservation): void },
  ) {
    this.held = bytes
  }

  /** Bytes held; 0 once released. */
  get bytes(): number {
    return this.done ? 0 : this.held
  }

  get released(): boolean {
    return this.done
  }

  /** Hold at least `bytes` (a model measured above its estimate); never shrinks. */
  growTo(bytes: number): void {
    if (this.done || bytes <= this.held) return
    const by = bytes - this.held
    this.held = bytes
    this.ledger.grow(by)
  }

  /** Hold exactly `bytes`: what was measured replaces what was predicted, up or down. */
  resizeTo(bytes: number): void {
    if (this.done || !Number.isFinite(bytes) || bytes < 0 || bytes === this.held) return
    if (bytes > this.held) return this.growTo(bytes)
    const by = this.held - bytes
    this.held = bytes
    this.ledger.shrink(by)
  }

  release(): void {
    if (this.done) return
    this.ledger.release(this)
    this.done = true
  }

  [Symbol.dispose](): void {
    this.release()
  }
}
