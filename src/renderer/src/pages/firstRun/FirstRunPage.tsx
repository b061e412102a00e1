import { useState } from 'react'
import { createDemoWorkspace, openWorkspace } from '../../actions/workspaceActions'
import { Icon } from '../../components/Icon'
import { useSessionStore } from '../../stores/sessionStore'
import './firstRun.css'

function joinPath(home: string, name: string): string {
  const sep = home.includes('\\') && !home.includes('/') ? '\\' : '/'
  return home.endsWith(sep) ? home + name : home + sep + name
}

/** No workspace open yet: make the demo one, or open a folder of modules. */
export function FirstRunPage() {
  const home = useSessionStore((s) => s.info?.home ?? '')
  const [demoPath, setDemoPath] = useState(() => joinPath(home, 'demo-workspace'))
  const [folder, setFolder] = useState('')
  const [busy, setBusy] = useState<'demo' | 'open' | null>(null)

  const run = async (which: 'demo' | 'open') => {
    setBusy(which)
    const ok = which === 'demo' ? await createDemoWorkspace(demoPath) : await openWorkspace(folder)
    if (!ok) setBusy(null)
  }

  return (
    <main className="first-run" data-testid="first-run">
      <div className="first-run-intro">
        <div className="brand-mark large" aria-hidden="true">W</div>
        <h1>Welcome to Warden</h1>
        <p className="muted">Hibernate the modules you don’t need, wake them when you do — nothing is ever lost. Start with a workspace.</p>
      </div>
      <div className="first-run-options">
        <form
          className="panel first-run-card"
          onSubmit={(e) => {
            e.preventDefault()
            void run('demo')
          }}
        >
          <div className="card-icon accent">
            <Icon name="sparkles" size={22} />
          </div>
          <h2>Create demo workspace</h2>
          <p className="muted">About 20 small commands, daemons and widgets with dependencies between them — a safe place to try things.</p>
          <label className="field">
            <span>Folder for the demo</span>
            <input className="input mono" value={demoPath} onChange={(e) => setDemoPath(e.target.value)} spellCheck={false} aria-label="Demo workspace folder" />
          </label>
          <button type="submit" className="button primary" disabled={busy !== null || !demoPath.trim()}>
            {busy === 'demo' ? 'Creating…' : 'Create demo workspace'}
          </button>
        </form>
        <form
          className="panel first-run-card"
          onSubmit={(e) => {
            e.preventDefault()
            void run('open')
          }}
        >
          <div className="card-icon">
            <Icon name="folder" size={22} />
          </div>
          <h2>Open folder</h2>
          <p className="muted">A folder with <span className="mono">commands/</span>, <span className="mono">daemons/</span> and <span className="mono">widgets/</span> of modules.</p>
          <label className="field">
            <span>Folder path</span>
            <input className="input mono" value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/path/to/workspace" spellCheck={false} aria-label="Workspace folder" />
          </label>
          <button type="submit" className="button" disabled={busy !== null || !folder.trim()}>
            {busy === 'open' ? 'Opening…' : 'Open folder'}
          </button>
        </form>
      </div>
      <p className="muted first-run-skip">
        Here for local AI models? <a href="#personas">Talk to a persona</a> or <a href="#models">manage models</a> — no workspace needed.
      </p>
    </main>
  )
}
