import { useCallback, useState } from 'react'
import type { LogEntry } from '../../../../shared/contract/logs'
import { wardenClient } from '../../client/clientInstance'
import { usePolling } from '../../hooks/usePolling'
import { toWardenError } from '../../lib/toWardenError'

/** How often an open log asks for new lines (served from memory by the host: cheap). */
const POLL_MS = 2000

const pad = (n: number, width = 2) => String(n).padStart(width, '0')
function clock(ms: number): string {
  const d = new Date(ms)
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

interface WorkerLogProps {
  modelId: string
  /** Lines shown, the last ones. */
  limit: number
  /** Accessible name of the list, e.g. "Log of tiny". */
  label: string
}

/**
 * A model's worker log, newest line last: llama.cpp's output and what Warden saw of the process
 * (started, loaded, killed…). Read while it is shown, every two seconds.
 */
export function WorkerLog({ modelId, limit, label }: WorkerLogProps) {
  const [entries, setEntries] = useState<LogEntry[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const load = useCallback(async () => {
    try {
      const out = await wardenClient().call('logs.read', { worker: modelId, limit })
      setEntries(out.entries)
      setError(null)
    } catch (e) {
      setError(toWardenError(e).message)
    }
  }, [modelId, limit])
  usePolling(load, POLL_MS)

  if (error) return <p className="worker-log-empty warn">The log cannot be read: {error}</p>
  if (!entries) return <p className="worker-log-empty">Reading the log…</p>
  if (!entries.length) return <p className="worker-log-empty">Nothing logged for this model yet.</p>
  return (
    <ol className="worker-log" aria-label={label} data-testid={`worker-log-${modelId}`}>
      {entries.map((e, i) => (
        <li key={`${e.time}-${i}`} className={`log-line level-${e.level}`}>
          <time dateTime={new Date(e.time).toISOString()}>{clock(e.time)}</time>
          <span className="log-msg">{e.msg}</span>
        </li>
      ))}
    </ol>
  )
}
