import type { Patch } from '../../../shared/contract/domains/healing'
import { logger } from '../logging/processLog'
import type { ApplyContext, Decision } from './apply/context'
import { applyModuleAction, recoverModuleAction, rollbackModuleAction } from './apply/moduleAction'
import { applyModuleDiff, recoverModuleDiff, rollbackModuleDiff } from './apply/moduleDiffApply'
import { applyPersona, applyWorkerAction, recoverPersona, rollbackPersona, rollbackWorkerAction } from './apply/runtimeActions'
import { applySettings, rollbackSettings } from './apply/settingsChange'

export type { ApplyContext, Decision } from './apply/context'

const log = logger('healing')

/**
 * Applies and rolls back every kind of patch, one at a time, each atomic: settings and persona
 * settings in one SQLite transaction with the patch's status; files, checkpoints and module
 * actions journalled (apply/journal.ts) so that `recover` finishes or undoes what a crash stopped.
 */
export class PatchApplier {
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly ctx: ApplyContext) {}

  /** One change at a time in this process (the journal's entries are this process's work in progress). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work)
    this.queue = run.catch(() => undefined)
    return run
  }

  apply(patch: Patch, decision: Decision): Promise<Patch> {
    return this.serial(async () => {
      await this.recoverNow()
      const { ctx } = this
      const change = patch.change
      switch (change.kind) {
        case 'settings':
          return applySettings(ctx, patch, change, decision)
        case 'persona':
          return applyPersona(ctx, patch, change, decision)
        case 'worker-action':
          return applyWorkerAction(ctx, patch, change, decision)
        case 'module-action':
          return applyModuleAction(ctx, patch, change, decision)
        case 'module-diff':
          return applyModuleDiff(ctx, patch, change, decision)
      }
    })
  }

  rollback(patch: Patch, decision: Decision): Promise<Patch> {
    return this.serial(async () => {
      await this.recoverNow()
      const { ctx } = this
      const change = patch.change
      switch (change.kind) {
        case 'settings':
          return rollbackSettings(ctx, patch, change, decision)
        case 'persona':
          return rollbackPersona(ctx, patch, change, decision)
        case 'worker-action':
          return rollbackWorkerAction(ctx, patch, change, decision)
        case 'module-action':
          return rollbackModuleAction(ctx, patch, change, decision)
        case 'module-diff':
          return rollbackModuleDiff(ctx, patch, decision)
      }
    })
  }

  /** Finish or undo what a crashed process left (start-up, and before every change). Returns what was done. */
  recover(): Promise<string[]> {
    return this.serial(() => this.recoverNow())
  }

  private async recoverNow(): Promise<string[]> {
    const done: string[] = []
    for (const entry of await this.ctx.journal.pending()) {
      const patch = this.ctx.store.find(entry.patchId)
      try {
        if (entry.files) done.push(await recoverModuleDiff(this.ctx, entry, patch))
        else if (patch?.change.kind === 'module-action') done.push(await recoverModuleAction(this.ctx, entry, patch, patch.change))
        else if (patch?.change.kind === 'persona') done.push(await recoverPersona(this.ctx, entry, patch, patch.change))
        else {
          await this.ctx.journal.end(entry.patchId)
          done.push(`removed the journal entry of ${entry.patchId} (nothing to finish or undo)`)
        }
      } catch (error) {
        // One that cannot be finished now (its workspace not open, a model missing) is tried again later.
        done.push(`could not yet finish the interrupted ${entry.op} of ${entry.patchId}: ${(error as Error).message} (tried again before the next change)`)
      }
    }
    for (const line of done) log.info(line)
    return done
  }
}
