import type { workerOperations } from '../../../../shared/contract/domains/workers'
import type { HandlersOf, HostServices } from './context'

export function workerHandlers(s: HostServices) {
  return {
    'worker.list': async () => s.inference.workers(),
    'worker.load': async ({ model }, ctx) => s.inference.loadModel(model, ctx.signal),
    'worker.unload': async ({ model }) => ({ model, unloaded: await s.inference.scheduler.unload(model) }),
    'worker.restart': async ({ model }) => s.inference.restartWorker(model),
    'worker.pin': async ({ model, unpin }) => s.inference.pinModel(model, !unpin),
    'worker.kill': async ({ model }) => ({ model, pid: s.inference.scheduler.kill(model) }),
  } satisfies HandlersOf<typeof workerOperations>
}
