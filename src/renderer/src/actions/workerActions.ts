import { useModelsStore } from '../stores/modelsStore'
import { toastSuccess } from '../stores/toastStore'
import { useWorkersStore } from '../stores/workersStore'
import { runOperation } from './runOperation'

function refresh(): void {
  void useWorkersStore.getState().refresh()
  if (useModelsStore.getState().loaded) void useModelsStore.getState().refresh()
}

/** Load a model into a worker now (idle models may be paged out to make room). */
export async function loadModel(model: string, name = model): Promise<boolean> {
  const out = await runOperation('worker.load', { model }, { label: `Loading ${name}` })
  if (out.ok) toastSuccess(`Loaded ${out.value.modelName}`, out.value.pid ? `Worker PID ${out.value.pid}` : undefined)
  refresh()
  return out.ok
}

/** Unload a model: its worker finishes what it is doing and exits. */
export async function unloadModel(model: string, name = model): Promise<boolean> {
  const out = await runOperation('worker.unload', { model }, { label: `Unloading ${name}` })
  if (out.ok) toastSuccess(out.value.unloaded ? `Unloaded ${name}` : `${name} was not loaded`)
  refresh()
  return out.ok
}

/** Restart a model's worker; this also lifts a quarantine. */
export async function restartWorker(model: string, name = model): Promise<boolean> {
  const out = await runOperation('worker.restart', { model }, { label: `Restarting ${name}` })
  if (out.ok) toastSuccess(`Restarted ${name}`, out.value.pid ? `New worker PID ${out.value.pid}` : undefined)
  refresh()
  return out.ok
}

/** Pin a model so it is never paged out, or release it. */
export async function pinWorker(model: string, pin: boolean, name = model): Promise<boolean> {
  const out = await runOperation('worker.pin', { model, unpin: !pin }, { label: pin ? `Pinning ${name}` : `Unpinning ${name}` })
  if (out.ok) toastSuccess(pin ? `Pinned ${name}` : `Unpinned ${name}`, pin ? 'It stays loaded when others need room.' : 'It may be paged out when others need room.')
  refresh()
  return out.ok
}

/** Kill a worker process at once, as a crash would; Warden restarts it. */
export async function killWorker(model: string, name = model): Promise<boolean> {
  const out = await runOperation('worker.kill', { model }, { label: `Killing ${name}` })
  if (out.ok) toastSuccess(`Killed PID ${out.value.pid}`, `Warden restarts ${name}’s worker.`)
  refresh()
  return out.ok
}
