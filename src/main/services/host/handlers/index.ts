import { adapterHandlers } from './adapters'
import { apiKeyHandlers } from './apiKeys'
import { appHandlers } from './app'
import { callHandlers } from './calls'
import { checkpointHandlers } from './checkpoints'
import { configHandlers } from './config'
import { healingHandlers, supervisorHandlers } from './healing'
import { healthHandlers } from './health'
import { logHandlers } from './logs'
import type { Handlers, HostServices } from './context'
import { modelHandlers } from './models'
import { moduleHandlers } from './modules'
import { personaHandlers } from './personas'
import { workerHandlers } from './workers'

export type { CallContext, Handlers, HandlersOf, HostServices } from './context'

/** Every operation's handler, domain by domain; the compiler checks that none is missing. */
export function createHandlers(services: HostServices): Handlers {
  return {
    ...appHandlers(services),
    ...moduleHandlers(services),
    ...callHandlers(services),
    ...modelHandlers(services),
    ...workerHandlers(services),
    ...personaHandlers(services),
    ...checkpointHandlers(services),
    ...adapterHandlers(services),
    ...healthHandlers(services),
    ...healingHandlers(services),
    ...supervisorHandlers(services),
    ...configHandlers(services),
    ...apiKeyHandlers(services),
    ...logHandlers(services),
  } satisfies Handlers
}
