import { setImmediate as nextTurn } from 'node:timers/promises'

/**
 * For long loops of synchronous work on the main thread (hashing, parsing, writing thousands of small
 * files): call the returned function between items; once `sliceMs` has passed since the last turn it
 * hands the event loop a turn (timers, sockets: a server's health checks), else it returns at once.
 * Promises that resolve from buffered data do not give that turn; this does. Defaults to 15 ms.
 */
export function createTimeSlicer(sliceMs = 15): () => Promise<void> | undefined {
  let sliceStart = performance.now()
  return () => {
    if (performance.now() - sliceStart < sliceMs) return undefined
    return nextTurn().then(() => {
      sliceStart = performance.now()
    })
  }
}
