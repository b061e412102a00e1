import { randomUUID } from 'node:crypto'
import type { OperationOutput } from '../../shared/contract/operations'
import type { Invoker } from './attach'
import { formatHealthSummary } from './healthFormat'
import type { CliIo } from './main'
import { printable, printableJson } from './printable'

/** How often the summary is printed again at most, and at least (ages move; a local home has no events). */
const THROTTLE_MS = 1000
const REFRESH_MS = 10_000

/**
 * `warden health --watch`: the summary again whenever the running Warden says health changed (and
 * every few seconds), until Ctrl-C. A terminal sees one screen redrawn; a pipe or --json gets one
 * summary after another (one JSON object per line).
 */
export async function watchHealth(inv: Invoker, io: CliIo, json: boolean, first: OperationOutput<'health.summary'>): Promise<number> {
  const show = (summary: OperationOutput<'health.summary'>) => {
    if (json) return io.out(printableJson(summary, 0))
    const text = printable(formatHealthSummary(summary))
    if (io.isTTY) process.stdout.write(`\x1b[2J\x1b[H${text}\n\n(watching: Ctrl-C to stop)\n`)
    else io.out(`${text}\n`)
  }
  show(first)
  if (!inv.attachedTo && !json) io.err('No Warden is running for this home: showing the stored health, refreshed every 10 s.')
  return new Promise<number>((resolve) => {
    let last = Date.now()
    let pending: NodeJS.Timeout | null = null
    let fetching = false
    const refresh = async () => {
      if (fetching) return
      fetching = true
      last = Date.now()
      const result = await inv.invoke('health.summary', {}, randomUUID()).catch(() => null)
      fetching = false
      if (result?.ok) show(result.value as OperationOutput<'health.summary'>)
    }
    const soon = () => {
      if (pending) return
      pending = setTimeout(() => {
        pending = null
        void refresh()
      }, Math.max(0, THROTTLE_MS - (Date.now() - last)))
    }
    inv.onEvent((e) => {
      if (e.event === 'health.changed') soon()
    })
    const timer = setInterval(() => void refresh(), REFRESH_MS)
    process.once('SIGINT', () => {
      clearInterval(timer)
      if (pending) clearTimeout(pending)
      resolve(0)
    })
  })
}
