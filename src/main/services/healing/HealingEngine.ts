import type { z } from 'zod'
import type { healingOperations } from '../../../shared/contract/domains/healing'
import { WardenError } from '../../../shared/errors'

type Out<K extends keyof typeof healingOperations> = z.output<(typeof healingOperations)[K]['output']>
type In<K extends keyof typeof healingOperations> = z.output<(typeof healingOperations)[K]['input']>

const notYet = () => new WardenError('UNAVAILABLE', 'The healing engine is being built')

/** The self-healing engine (being built: see the helpers' parts). */
export class HealingEngine {
  status(): Out<'healing.status'> { throw notYet() }
  start(): Out<'healing.start'> { throw notYet() }
  stop(): Out<'healing.stop'> { throw notYet() }
  async runOnce(): Promise<Out<'healing.runOnce'>> { throw notYet() }
  proposals(_input: In<'healing.proposals'>): Out<'healing.proposals'> { throw notYet() }
  history(_input: In<'healing.history'>): Out<'healing.history'> { throw notYet() }
  show(_input: In<'healing.show'>): Out<'healing.show'> { throw notYet() }
  async approve(_input: In<'healing.approve'>): Promise<Out<'healing.approve'>> { throw notYet() }
  reject(_input: In<'healing.reject'>): Out<'healing.reject'> { throw notYet() }
  async rollback(_input: In<'healing.rollback'>): Promise<Out<'healing.rollback'>> { throw notYet() }
  async evaluate(_input: In<'healing.evaluate'>): Promise<Out<'healing.evaluate'>> { throw notYet() }
  autoApply(_input: In<'healing.autoApply'>): Out<'healing.autoApply'> { throw notYet() }
  async draftFix(_input: In<'healing.draftFix'>): Promise<Out<'healing.draftFix'>> { throw notYet() }
  dispose(): void {}
}
