import type { checkpointOperations } from '../../../../shared/contract/domains/checkpoints'
import type { HandlersOf, HostServices } from './context'

export function checkpointHandlers(s: HostServices) {
  return {
    'persona.checkpoint': async ({ name, label }) => s.inference.checkpoints.create(name, label),
    'persona.resume': async ({ name, checkpoint }) => s.inference.checkpoints.resume(name, checkpoint),
    'persona.checkpoints': async ({ name }) => s.inference.checkpoints.list(name),
    'persona.checkpointExport': async ({ name, file, checkpoint }) => s.inference.checkpoints.exportTo(name, file, checkpoint),
    'persona.checkpointImport': async ({ name, file }) => s.inference.checkpoints.importFrom(name, file),
    'persona.checkpointRemove': async ({ name, id }) => s.inference.checkpoints.remove(name, id),
  } satisfies HandlersOf<typeof checkpointOperations>
}
