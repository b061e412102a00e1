/** Subscribe to an event; returns the function that unsubscribes (VS Code's `Event<T>`). */
export type Event<T> = (listener: (value: T) => void) => () => void

/**
 * The source of one event, owned by the service that raises it: the service keeps `fire` to
 * itself and exposes `event` as its `onDid…`.
 */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>()

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  fire(value: T): void {
    // A copy: a listener may unsubscribe (or subscribe another) while it runs.
    for (const listener of [...this.listeners]) listener(value)
  }

  dispose(): void {
    this.listeners.clear()
  }
}
