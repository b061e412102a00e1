import { useDetailStore } from '../stores/detailStore'
import { useModulesStore } from '../stores/modulesStore'
import { useSessionStore } from '../stores/sessionStore'
import { toastSuccess } from '../stores/toastStore'
import { runOperation } from './runOperation'

async function afterOpen(): Promise<void> {
  useDetailStore.getState().select(null)
  useModulesStore.getState().reset()
  await Promise.all([useSessionStore.getState().reloadWorkspace(), useModulesStore.getState().refresh()])
}

/** Open a folder of modules as the workspace. */
export async function openWorkspace(path: string): Promise<boolean> {
  const out = await runOperation('workspace.open', { path: path.trim() }, { label: 'Opening the workspace' })
  if (out.ok) {
    await afterOpen()
    toastSuccess('Workspace opened', out.value.path)
  }
  return out.ok
}

/** Generate the demo workspace in `path` and open it. */
export async function createDemoWorkspace(path: string): Promise<boolean> {
  const out = await runOperation('workspace.createDemo', { path: path.trim() }, { label: 'Creating the demo workspace' })
  if (out.ok) {
    await afterOpen()
    toastSuccess('Demo workspace created', `${out.value.modules} modules in ${out.value.path}`)
  }
  return out.ok
}
