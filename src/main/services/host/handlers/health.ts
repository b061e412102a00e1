import type { healthOperations } from '../../../../shared/contract/domains/health'
import type { HandlersOf, HostServices } from './context'

export function healthHandlers(s: HostServices) {
  return {
    'health.summary': async () => s.health.summary(),
    'health.history': async (input) => s.health.history(input),
    'health.baseline': async (input) => s.health.setBaseline(input),
    'health.degradation': async (input) => s.health.degradation(input),
    'health.snapshot': async (input) => s.health.ingest(input),
  } satisfies HandlersOf<typeof healthOperations>
}
