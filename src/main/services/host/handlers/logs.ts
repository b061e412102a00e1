import type { logOperations } from '../../../../shared/contract/logs'
import type { HandlersOf, HostServices } from './context'

/** Reading is the LogService's; `follow` streams its entries as events of the call until it is cancelled. */
export function logHandlers(s: HostServices) {
  return {
    'logs.read': async ({ follow, ...query }, ctx) => {
      if (!follow) return { entries: await s.logs.read(query), streamed: 0 }
      const streamed = await s.logs.follow(query, (entries) => ctx.streamLogEntries(entries), ctx.signal)
      return { entries: [], streamed }
    },
  } satisfies HandlersOf<typeof logOperations>
}
