import type { appOperations } from '../../../../shared/contract/domains/app'
import { openDemo } from '../../demo/openDemo'
import type { HandlersOf, HostServices } from './context'

export function appHandlers(s: HostServices) {
  return {
    'app.info': async () => s.app.info(),
    'workspace.get': async () => s.workspaces.info(),
    'workspace.open': async ({ path }) => s.workspaces.open(path),
    'workspace.createDemo': async ({ path }) => openDemo(path, s.workspaces, () => s.inference),
  } satisfies HandlersOf<typeof appOperations>
}
