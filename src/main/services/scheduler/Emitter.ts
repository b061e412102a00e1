/** Listeners of one event, VS Code style: `onDidX(listener)` returns the function that removes it. */
export class Emitter<T> {
  private readonly listeners = new Set<(event: T) => void>()

  /** Subscribe; call the returned function to unsubscribe. */
  readonly event = (listener: (event: T) => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  fire(event: T): void {
    for (const listener of [...this.listeners]) listener(event)
  }

  dispose(): void {
    this.listeners.clear()
  }
}
