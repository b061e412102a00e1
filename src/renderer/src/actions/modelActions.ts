import { formatBytes } from '../../../shared/format'
import { wardenClient } from '../client/clientInstance'
import { newCallId } from '../lib/callId'
import { toWardenError } from '../lib/toWardenError'
import { useModelsStore } from '../stores/modelsStore'
import { toastError, toastSuccess, useToastStore } from '../stores/toastStore'
import { runOperation } from './runOperation'

function refresh(): void {
  void useModelsStore.getState().refresh()
}

/** What the "Add a model" field holds. */
export type ModelSource = { kind: 'uri'; uri: string } | { kind: 'path'; path: string } | { kind: 'invalid'; message: string }

/** An `hf:` URI or http(s) URL is downloaded; anything that looks like a file path is added where it is. */
export function classifyModelSource(text: string): ModelSource {
  const value = text.trim()
  if (!value) return { kind: 'invalid', message: 'Give an hf: URI, an http(s) URL or the path of a .gguf file.' }
  if (/^hf:/i.test(value) || /^https?:\/\//i.test(value)) return { kind: 'uri', uri: value }
  if (/\.gguf$/i.test(value) || /^(\/|~|\.{1,2}[\\/]|[a-z]:[\\/]|\\\\)/i.test(value)) return { kind: 'path', path: value }
  return { kind: 'invalid', message: `“${value}” is neither a URI nor a file path: use hf:user/repo/file.gguf, https://…/model.gguf or /path/to/model.gguf.` }
}

/**
 * Download a model (a catalog id, an hf: URI or a URL). Its progress shows where the model is
 * listed, fed by `operation.progress` for the call id; `cancelInstall` stops it.
 */
export async function installModel(target: string, name = target): Promise<boolean> {
  const callId = newCallId()
  const store = useModelsStore.getState()
  store.startInstall(callId, target)
  refresh()
  try {
    const model = await wardenClient().call('model.install', { uri: target }, { callId })
    toastSuccess(`Installed ${model.name}`, model.size !== null ? `${formatBytes(model.size)} in ${model.path ?? 'the model folder'}` : undefined)
    return true
  } catch (thrown) {
    const error = toWardenError(thrown)
    if (error.code === 'CANCELLED') useToastStore.getState().push({ kind: 'info', title: `Stopped installing ${name}`, message: 'What was downloaded is kept; installing again resumes it.' })
    else toastError(error, `Installing ${name} failed`)
    return false
  } finally {
    useModelsStore.getState().finishInstall(callId)
    refresh()
  }
}

/** Stop a download started here. */
export async function cancelInstall(callId: string): Promise<void> {
  useModelsStore.getState().markCancelling(callId)
  try {
    await wardenClient().call('operation.cancel', { callId })
  } catch (thrown) {
    toastError(toWardenError(thrown), 'Could not cancel the download')
  }
}

/** Add a local .gguf file as a model; the file stays where it is. */
export async function addLocalModel(path: string): Promise<boolean> {
  const out = await runOperation('model.add', { path }, { label: 'Adding the model' })
  if (out.ok) toastSuccess(`Added ${out.value.name}`, `${out.value.size !== null ? `${formatBytes(out.value.size)} · ` : ''}${out.value.path ?? path}`)
  refresh()
  return out.ok
}

/** Remove a model: unload it, delete a downloaded file, or forget a local one. */
export async function removeModel(id: string, name = id): Promise<boolean> {
  const out = await runOperation('model.remove', { id }, { label: `Removing ${name}` })
  if (out.ok) {
    const { deletedFile, freedBytes } = out.value
    toastSuccess(`Removed ${name}`, deletedFile ? `Deleted ${deletedFile} · ${formatBytes(freedBytes)} freed` : 'The file was left where it is.')
  }
  refresh()
  return out.ok
}
