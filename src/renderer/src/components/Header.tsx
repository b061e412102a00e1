import { useState } from 'react'
import { openWorkspace } from '../actions/workspaceActions'
import { useSessionStore } from '../stores/sessionStore'
import { Dialog } from './Dialog'
import { Icon } from './Icon'

function OpenFolderDialog({ onClose }: { onClose(): void }) {
  const current = useSessionStore((s) => s.workspace?.path ?? '')
  const recent = useSessionStore((s) => s.workspace?.recent)
  const [path, setPath] = useState(current)
  const [busy, setBusy] = useState(false)
  const submit = async (target: string) => {
    setBusy(true)
    if (await openWorkspace(target)) onClose()
    else setBusy(false)
  }
  return (
    <Dialog
      title="Open workspace"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="open-folder" className="button primary" disabled={busy || !path.trim()}>
            {busy ? 'Opening…' : 'Open'}
          </button>
        </>
      }
    >
      <form id="open-folder" onSubmit={(e) => {
          e.preventDefault()
          void submit(path)
        }}>
        <label className="field">
          <span>Folder path</span>
          <input className="input mono" value={path} onChange={(e) => setPath(e.target.value)} spellCheck={false} />
        </label>
      </form>
      {recent && recent.length > 1 && (
        <div className="recent">
          <h3 className="section-title">Recent</h3>
          {recent.map((r) => (
            <button key={r} type="button" className="recent-item mono" onClick={() => void submit(r)} disabled={busy}>
              {r}
            </button>
          ))}
        </div>
      )}
    </Dialog>
  )
}

/** The top bar: where we are and, on the Modules page, which workspace is open. */
export function Header({ title, showWorkspace = true }: { title: string; showWorkspace?: boolean }) {
  const path = useSessionStore((s) => (showWorkspace ? s.workspace?.path : undefined))
  const [opening, setOpening] = useState(false)
  return (
    <header className="app-header">
      <h1>{title}</h1>
      {path && (
        <button type="button" className="workspace-chip" onClick={() => setOpening(true)} title="Open another workspace">
          <Icon name="folder" />
          <span className="mono" data-testid="workspace-path">
            {path}
          </span>
        </button>
      )}
      {opening && <OpenFolderDialog onClose={() => setOpening(false)} />}
    </header>
  )
}
