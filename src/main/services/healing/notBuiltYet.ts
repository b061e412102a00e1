import { WardenError } from '../../../shared/errors'
import type { FitnessOf, Sandbox } from './types'

/**
 * Stand-ins until the sandbox and fitness (heal-sandbox) are wired into the host: a draft cannot
 * be evaluated, so nothing is proposed, and the error says why.
 */
export const sandboxNotBuiltYet: Sandbox = {
  evaluate: async () => {
    throw new WardenError('UNAVAILABLE', 'The healing sandbox is not part of this build yet, so patches cannot be evaluated')
  },
}

export const fitnessNotBuiltYet: FitnessOf = () => {
  throw new WardenError('UNAVAILABLE', 'Fitness scoring is not part of this build yet')
}
