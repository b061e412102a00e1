import { useCallback, useEffect, useState } from 'react'
import { wakeFromFile } from './actions/moduleActions'
import { AboutDialog } from './components/AboutDialog'
import { FileDropOverlay } from './components/FileDropOverlay'
import { Header } from './components/Header'
import { ProgressTray } from './components/ProgressTray'
import { Sidebar } from './components/Sidebar'
import { Toasts } from './components/Toasts'
import { useFileDrop } from './hooks/useFileDrop'
import { FirstRunPage } from './pages/firstRun/FirstRunPage'
import { ModulesPage } from './pages/modules/ModulesPage'
import { useModulesStore } from './stores/modulesStore'
import { useSessionStore } from './stores/sessionStore'

function Workbench() {
  const [about, setAbout] = useState(false)
  const onFiles = useCallback((files: File[]) => {
    for (const f of files) void wakeFromFile(f)
  }, [])
  const dragging = useFileDrop(onFiles)
  const workspace = useSessionStore((s) => s.workspace?.path)
  const refresh = useModulesStore((s) => s.refresh)
  useEffect(() => {
    if (workspace) void refresh()
  }, [workspace, refresh])

  return (
    <div className="app">
      <Sidebar onAbout={() => setAbout(true)} />
      <div className="main">
        <Header title="Modules" />
        <ModulesPage />
      </div>
      {dragging && <FileDropOverlay />}
      {about && <AboutDialog onClose={() => setAbout(false)} />}
    </div>
  )
}

/** Loads who we are and which workspace is open, then shows the first-run screen or the workbench. */
export function App() {
  const status = useSessionStore((s) => s.status)
  const error = useSessionStore((s) => s.error)
  const hasWorkspace = useSessionStore((s) => s.workspace !== null)
  const load = useSessionStore((s) => s.load)

  useEffect(() => {
    void load()
  }, [load])

  return (
    <>
      {status === 'loading' && (
        <div className="splash" aria-busy="true">
          <div className="brand-mark large">W</div>
          <span className="spinner" />
        </div>
      )}
      {status === 'failed' && (
        <div className="splash">
          <div className="callout danger" role="alert">
            <div>
              <strong>{error?.message ?? 'Warden could not start'}</strong>
              {error?.hint && <p>{error.hint}</p>}
              <button type="button" className="button" onClick={() => void load()}>
                Try again
              </button>
            </div>
          </div>
        </div>
      )}
      {status === 'ready' && (hasWorkspace ? <Workbench /> : <FirstRunPage />)}
      <ProgressTray />
      <Toasts />
    </>
  )
}
