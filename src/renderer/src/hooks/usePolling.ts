import { useEffect, useRef } from 'react'

/**
 * Call `poll` now and every `intervalMs` while the page is visible (a hidden window asks nothing);
 * when it shows again, at once. Stops on unmount.
 */
export function usePolling(poll: () => void | Promise<void>, intervalMs: number): void {
  const latest = useRef(poll)
  useEffect(() => {
    latest.current = poll
  })
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | null = null
    const start = () => {
      if (timer !== null || document.hidden) return
      void latest.current()
      timer = setInterval(() => void latest.current(), intervalMs)
    }
    const stop = () => {
      if (timer !== null) clearInterval(timer)
      timer = null
    }
    const onVisibility = () => (document.hidden ? stop() : start())
    start()
    document.addEventListener('visibilitychange', onVisibility)
    return () => {
      stop()
      document.removeEventListener('visibilitychange', onVisibility)
    }
  }, [intervalMs])
}
