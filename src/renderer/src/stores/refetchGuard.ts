import type { WardenError } from '../../../shared/errors'
import { toWardenError } from '../lib/toWardenError'

export interface RefetchHandlers<T> {
  /** The answer of the newest fetch; never one that a later `reset` made stale. */
  value(value: T): void
  error(error: WardenError): void
}

export interface Refetch {
  /**
   * Fetch now, or, when a fetch is in flight, once more right after it (its answer may predate
   * what prompted this call). Resolves once the state asked for has been applied; never throws.
   */
  run(): Promise<void>
  /** Forget the fetches in flight and queued: their answers are dropped (a store being reset, another module selected). */
  reset(): void
}

/**
 * The list stores' one guard against overlapping refetches: at most one fetch in flight and one
 * queued behind it, however often events, polling and actions ask. Answers are therefore applied in
 * the order asked, an older one never overwrites a newer one, and a slow host never has calls
 * piling up behind it.
 */
export function refetchGuard<T>(fetch: () => Promise<T>, handlers: RefetchHandlers<T>): Refetch {
  let generation = 0
  let inFlight: Promise<void> | null = null
  let queued: Promise<void> | null = null

  /** `fetch()`, with a synchronous throw (no client yet) as a rejection like any other failure. */
  const attempt = (): Promise<T> => {
    try {
      return fetch()
    } catch (error) {
      return Promise.reject(error)
    }
  }

  const start = (): Promise<void> => {
    const mine = generation
    const applied = attempt().then(
      (value) => {
        if (mine === generation) handlers.value(value)
      },
      (error: unknown) => {
        if (mine === generation) handlers.error(toWardenError(error))
      },
    )
    const current: Promise<void> = applied.finally(() => {
      if (inFlight === current) inFlight = null
    })
    inFlight = current
    return current
  }

  return {
    run: () => {
      if (queued) return queued
      if (!inFlight) return start()
      const mine = generation
      const next: Promise<void> = inFlight.then(() => {
        if (queued === next) queued = null
        // A reset while this waited: the store starts over, and asks again itself.
        if (mine !== generation) return
        return start()
      })
      queued = next
      return next
    },
    reset: () => {
      generation++
      inFlight = null
      queued = null
    },
  }
}

interface ListFields {
  loaded: boolean
  error: WardenError | null
}

/**
 * `refresh` and `reset` of a list store over the guard: an answer sets `loaded`, clears `error` and
 * sets what `toState` makes of it; a failure keeps the list and sets `error`; `reset` drops the
 * fetches in flight and puts back `initial`.
 */
export function guardedList<S extends ListFields, T>(
  set: (partial: Partial<S>) => void,
  initial: Partial<S>,
  fetch: () => Promise<T>,
  toState: (value: T) => Partial<S>,
): { refresh(): Promise<void>; reset(): void } {
  const refetch = refetchGuard(fetch, {
    value: (value) => set({ ...toState(value), loaded: true, error: null }),
    error: (error) => set({ loaded: true, error } as Partial<S>),
  })
  return {
    refresh: refetch.run,
    reset: () => {
      refetch.reset()
      set(initial)
    },
  }
}
