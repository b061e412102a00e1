import type { EventName, EventPayload } from '../../../shared/contract/events'
import type { logOperations } from '../../../shared/contract/logs'
import type { LogService } from '../logging/LogService'
import type { Handlers } from './handlers'

type LogHandlers = Pick<Handlers, keyof typeof logOperations>

/** Handlers of the log operations: reading is the LogService's; `follow` streams its entries as events of the call. */
export function logHandlers(host: { logs: LogService; emit<E extends EventName>(event: E, payload: EventPayload<E>): void }): LogHandlers {
  return {
    'logs.read': async ({ follow, ...query }, ctx) => {
      if (!follow) return { entries: await host.logs.read(query), streamed: 0 }
      const streamed = await host.logs.follow(query, (entries) => host.emit('logs.entries', { callId: ctx.callId, entries }), ctx.signal)
      return { entries: [], streamed }
    },
  } satisfies LogHandlers
}
