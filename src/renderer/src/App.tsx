import { useEffect, useState } from 'react'
import { AboutDialog } from './components/AboutDialog'
import { FileDropOverlay } from './components/FileDropOverlay'
import { Header } from './components/Header'
import { ProgressTray } from './components/ProgressTray'
import { Sidebar } from './components/Sidebar'
import { Toasts } from './components/Toasts'
import { useFileDrop } from './hooks/useFileDrop'
import { FirstRunPage } from './pages/firstRun/FirstRunPage'
import { pageById } from './pages/registry'
import { useModulesStore } from './stores/modulesStore'
import { useRouteStore } from './stores/routeStore'
import { useSessionStore } from './stores/sessionStore'

const noFiles = () => undefined

function Workbench() {
  const [about, setAbout] = useState(false)
  const page = pageById(useRouteStore((s) => s.page))
  const dragging = useFileDrop(page.onFileDrop ?? noFiles, page.onFileDrop !== undefined)
  const workspace = useSessionStore((s) => s.workspace?.path)
  const refresh = useModulesStore((s) => s.refresh)
  useEffect(() => {
    if (workspace) void refresh()
  }, [workspace, refresh])

  return (
    <div className="app">
      <Sidebar onAbout={() => setAbout(true)} />
      <div className="main">
        <Header title={page.title ?? page.label} showWorkspace={page.showsWorkspace ?? false} />
        <page.component />
      </div>
      {dragging && <FileDropOverlay />}
      {about && <AboutDialog onClose={() => setAbout(false)} />}
    </div>
  )
}

/**
 * Loads who we are and which workspace is open, then shows the workbench; a page that needs a
 * workspace (Modules) is the first-run screen without one (models and personas need none).
 */
export function App() {
  const status = useSessionStore((s) => s.status)
  const error = useSessionStore((s) => s.error)
  const hasWorkspace = useSessionStore((s) => s.workspace !== null)
  const load = useSessionStore((s) => s.load)
  const needsWorkspace = pageById(useRouteStore((s) => s.page)).needsWorkspace ?? false

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
      {status === 'ready' && (hasWorkspace || !needsWorkspace ? <Workbench /> : <FirstRunPage />)}
      <ProgressTray />
      <Toasts />
    </>
  )
}
