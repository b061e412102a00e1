import type { WorkspaceInfo } from '../../../shared/contract/schemas'
import type { InferenceService } from '../inference/InferenceService'
import type { WorkspaceService } from '../workspace/WorkspaceService'
import { createDemoWorkspace } from './createDemoWorkspace'
import { createDemoPersonas } from './demoPersonas'

/**
 * The demo: a generated workspace of about 20 modules, opened, and two personas on tiny generated
 * models. Inference is started only once the workspace exists (a refused folder starts no workers).
 */
export async function openDemo(folder: string, workspaces: WorkspaceService, inference: () => InferenceService): Promise<WorkspaceInfo & { modules: number }> {
  const { root, modules } = await createDemoWorkspace(folder)
  await createDemoPersonas(inference())
  return { ...(await workspaces.open(root)), modules }
}
