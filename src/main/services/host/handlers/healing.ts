import type { healingOperations, supervisorOperations } from '../../../../shared/contract/domains/healing'
import { WardenError } from '../../../../shared/errors'
import type { CallContext, HandlersOf, HostServices } from './context'

/** The call's cancellation and progress, for sandbox work (long: tests on a copy, probe prompts). */
function sandboxCall(ctx: CallContext) {
  return { signal: ctx.signal, onProgress: (message: string, fraction: number | null) => ctx.progress('sandbox', message, fraction) }
}

export function healingHandlers(s: HostServices) {
  return {
    'healing.status': async () => s.healing.status(),
    'healing.start': async () => {
      // A one-off CLI command ends at once: a loop started in it would stop with it, unseen.
      if (s.app.info().runtime === 'cli') {
        throw new WardenError('UNAVAILABLE', 'No Warden is running for this home, and the healing loop runs in the app or `warden serve`', {
          hint: 'Start one (warden serve, or the app), then run warden healing start again: the CLI passes it on.',
        })
      }
      return s.healing.start()
    },
    'healing.stop': async () => s.healing.stop(),
    'healing.runOnce': async () => s.healing.runOnce(),
    'healing.proposals': async (input) => s.healing.proposals(input),
    'healing.history': async (input) => s.healing.history(input),
    'healing.show': async (input) => s.healing.show(input),
    'healing.approve': async (input) => s.healing.approve(input),
    'healing.reject': async (input) => s.healing.reject(input),
    'healing.rollback': async (input) => s.healing.rollback(input),
    'healing.evaluate': async (input, ctx) => s.healing.evaluate(input, sandboxCall(ctx)),
    'healing.autoApply': async (input) => s.healing.autoApply(input),
    'healing.draftFix': async (input, ctx) => s.healing.draftFix(input, sandboxCall(ctx)),
  } satisfies HandlersOf<typeof healingOperations>
}

export function supervisorHandlers(s: HostServices) {
  return {
    'module.reportError': async (input, ctx) => s.supervisor.reportError(input, { signal: ctx.signal, progress: ctx.progress }),
    'module.check': async (input, ctx) => s.supervisor.check(input, { signal: ctx.signal, progress: ctx.progress }),
  } satisfies HandlersOf<typeof supervisorOperations>
}
