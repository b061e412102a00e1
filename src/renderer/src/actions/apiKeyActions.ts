import { useApiKeysStore } from '../stores/apiKeysStore'
import { toastSuccess } from '../stores/toastStore'
import type { CreatedApiKey } from '../lib/types'
import { runOperation, type Outcome } from './runOperation'

/** Create an API key; the outcome holds the key itself, which is never shown again. */
export async function createApiKey(name: string): Promise<Outcome<CreatedApiKey>> {
  const out = await runOperation('apiKey.create', { name }, { label: `Creating the key ${name}`, expected: ['INVALID_INPUT', 'CONFLICT'] })
  if (out.ok) await useApiKeysStore.getState().refresh()
  return out
}

/** Revoke an API key: the endpoint refuses it from the next request on. */
export async function revokeApiKey(name: string): Promise<boolean> {
  const out = await runOperation('apiKey.revoke', { name }, { label: `Revoking ${name}` })
  if (out.ok) {
    toastSuccess(`Revoked ${out.value.name}`, 'Requests with it are refused from now on.')
    await useApiKeysStore.getState().refresh()
  }
  return out.ok
}
