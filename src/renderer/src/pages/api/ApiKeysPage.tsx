import { useEffect, useState } from 'react'
import { revokeApiKey } from '../../actions/apiKeyActions'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorCallout } from '../../components/ErrorCallout'
import { Icon } from '../../components/Icon'
import type { ApiKeyInfo, CreatedApiKey } from '../../lib/types'
import { useApiKeysStore } from '../../stores/apiKeysStore'
import { CreatedKeyCallout } from './CreatedKeyCallout'
import { KeyList } from './KeyList'
import { NewKeyForm } from './NewKeyForm'

/** The OpenAI-compatible endpoint: its address, and the API keys that reach it (and nothing else). */
export function ApiKeysPage() {
  const loaded = useApiKeysStore((s) => s.loaded)
  const keys = useApiKeysStore((s) => s.keys)
  const endpoint = useApiKeysStore((s) => s.endpoint)
  const error = useApiKeysStore((s) => s.error)
  const refresh = useApiKeysStore((s) => s.refresh)
  const [created, setCreated] = useState<CreatedApiKey | null>(null)
  const [revoking, setRevoking] = useState<ApiKeyInfo | null>(null)

  useEffect(() => {
    void refresh()
  }, [refresh])

  return (
    <div className="inference-page api-page" data-testid="api-page">
      <div className="page-toolbar">
        <p className="muted toolbar-summary" data-testid="api-endpoint">
          <Icon name="key" size={15} />
          {endpoint ? (
            <>
              OpenAI-compatible API: <span className="mono wrap">{endpoint}</span> · model: a persona’s name
            </>
          ) : (
            <>
              No Warden server runs for this data folder now: <span className="mono">warden serve</span> starts one.
            </>
          )}
        </p>
      </div>
      {error && <ErrorCallout error={error} className="page-callout" icon />}
      <div className="page-scroll">
        <NewKeyForm onCreated={setCreated} />
        {created && <CreatedKeyCallout created={created} onDone={() => setCreated(null)} />}
        {!loaded ? (
          <div className="loading-board" aria-busy="true">
            <span className="spinner" /> Loading keys…
          </div>
        ) : (
          <KeyList keys={keys} onRevoke={setRevoking} />
        )}
      </div>
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          confirmLabel="Revoke key"
          busyLabel="Revoking…"
          danger
          onConfirm={async () => {
            const ok = await revokeApiKey(revoking.name)
            if (ok && created?.id === revoking.id) setCreated(null)
            return ok
          }}
          onClose={() => setRevoking(null)}
          testId="revoke-key-dialog"
        >
          <p>
            Tools that use <span className="mono">{revoking.prefix}…</span> are refused from their next request on. This cannot be undone: a tool that still needs access gets a new key.
          </p>
        </ConfirmDialog>
      )}
    </div>
  )
}
