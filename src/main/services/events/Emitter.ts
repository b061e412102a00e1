import { logger } from '../logging/processLog'

const log = logger('events')

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
    // A copy: a listener may unsubscribe (or subscribe another) while it runs. One listener that
    // throws (a window gone, a message that cannot be sent) never stops the others or the firer.
    for (const listener of [...this.listeners]) {
      try {
        listener(value)
      } catch (error) {
        log.error('A listener of an event failed', { err: error })
      }
    }
  }

  dispose(): void {
    this.listeners.clear()
  }
}
