import { useEffect } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { formatBytes } from '../../../../shared/format'
import { removeModel } from '../../actions/modelActions'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import type { ModelInfo } from '../../lib/types'
import { usePersonasStore } from '../../stores/personasStore'

/** Remove a model; says whether its file is deleted (downloaded) or only forgotten (a local file), and who uses it. */
export function RemoveModelDialog({ model, onClose }: { model: ModelInfo; onClose(): void }) {
  const personasLoaded = usePersonasStore((s) => s.loaded)
  const users = usePersonasStore(useShallow((s) => s.personas.filter((p) => p.model === model.id || (model.path !== null && p.model === model.path)).map((p) => p.name)))
  useEffect(() => {
    if (!personasLoaded) void usePersonasStore.getState().refresh()
  }, [personasLoaded])
  const local = model.source === 'file'

  return (
    <ConfirmDialog
      title={`Remove ${model.name}?`}
      confirmLabel={local ? 'Forget model' : 'Delete model'}
      busyLabel="Removing…"
      danger={!local}
      testId="remove-model-dialog"
      onClose={onClose}
      onConfirm={() => removeModel(model.id, model.name)}
    >
      {local ? (
        <p>
          Warden forgets this local file. The file itself is <strong>not deleted</strong>: it stays at <span className="mono wrap">{model.path}</span>, and you can add it
          again any time.
        </p>
      ) : (
        <p>
          The downloaded file{model.size !== null ? ` (${formatBytes(model.size)})` : ''} is <strong>deleted</strong> from{' '}
          <span className="mono wrap">{model.path ?? 'the model folder'}</span>. Installing it again downloads it again.
        </p>
      )}
      {model.loaded && <p className="muted">It is loaded now: its worker is stopped first.</p>}
      {users.length > 0 && (
        <p className="muted" data-testid="remove-model-users">
          Used by {users.join(', ')}: {local ? 'they cannot answer until it is added again.' : 'it is downloaded again when they next talk, if automatic installs are on.'}
        </p>
      )}
    </ConfirmDialog>
  )
}
