import type { callOperations } from '../../../../shared/contract/domains/calls'
import type { HandlersOf, HostServices } from './context'

export function callHandlers(s: HostServices) {
  return {
    'operation.cancel': async ({ callId }) => ({ cancelled: s.cancelCall(callId) }),
  } satisfies HandlersOf<typeof callOperations>
}
