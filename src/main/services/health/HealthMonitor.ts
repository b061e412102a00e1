import type { z } from 'zod'
import type { healthOperations } from '../../../shared/contract/domains/health'
import { WardenError } from '../../../shared/errors'

type Out<K extends keyof typeof healthOperations> = z.output<(typeof healthOperations)[K]['output']>
type In<K extends keyof typeof healthOperations> = z.output<(typeof healthOperations)[K]['input']>

/**
 * The health monitor: sources (personas, models, external systems), their detection windows,
 * baselines, stored history and alerts. (Being written: the lead fills this in while the store,
 * the metric definitions, /metrics and the page are built beside it.)
 */
export class HealthMonitor {
  summary(): Out<'health.summary'> {
    throw new WardenError('UNAVAILABLE', 'The health monitor is being built')
  }
  history(_input: In<'health.history'>): Out<'health.history'> {
    throw new WardenError('UNAVAILABLE', 'The health monitor is being built')
  }
  setBaseline(_input: In<'health.baseline'>): Out<'health.baseline'> {
    throw new WardenError('UNAVAILABLE', 'The health monitor is being built')
  }
  degradation(_input: In<'health.degradation'>): Out<'health.degradation'> {
    throw new WardenError('UNAVAILABLE', 'The health monitor is being built')
  }
  ingest(_input: In<'health.snapshot'>): Out<'health.snapshot'> {
    throw new WardenError('UNAVAILABLE', 'The health monitor is being built')
  }
}
