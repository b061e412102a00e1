/** A queue ordered by priority (higher first), first in first out within one priority. */
export class PriorityQueue<T> {
  private items: Array<{ priority: number; seq: number; value: T }> = []
  private seq = 0

  get size(): number {
    return this.items.length
  }

  push(value: T, priority: number): void {
    const item = { priority, seq: this.seq++, value }
    // Binary search for the first item that should come after this one.
    let lo = 0
    let hi = this.items.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.items[mid].priority >= priority) lo = mid + 1
      else hi = mid
    }
    this.items.splice(lo, 0, item)
  }

  /** Items in the order they will be served. */
  values(): T[] {
    return this.items.map((i) => i.value)
  }

  remove(value: T): boolean {
    const i = this.items.findIndex((it) => it.value === value)
    if (i < 0) return false
    this.items.splice(i, 1)
    return true
  }

  shift(): T | undefined {
    return this.items.shift()?.value
  }
}
