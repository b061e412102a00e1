import type { StrategyFn } from '../types'
import { basinDrift } from './basinDrift'
import { errorSpike } from './errorSpike'
import { memoryLeak } from './memoryLeak'
import { performance } from './performance'
import { phiRecovery } from './phiRecovery'

/** The seeds' five strategies, in seed 003's order: what the healing engine runs on each pass. */
export const strategies: StrategyFn[] = [basinDrift, phiRecovery, performance, memoryLeak, errorSpike]

export { basinDrift, errorSpike, memoryLeak, performance, phiRecovery }
