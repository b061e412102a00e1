import { useCallback, useEffect, useState } from 'react'
import { wakeFromFile } from './actions/moduleActions'
import { AboutDialog } from './components/AboutDialog'
import { FileDropOverlay } from './components/FileDropOverlay'
import { Header } from './components/Header'
import { ProgressTray } from './components/ProgressTray'
import { Sidebar } from './components/Sidebar'
import { Toasts } from './components/Toasts'
import { useFileDrop } from './hooks/useFileDrop'
import { ApiKeysPage } from './pages/api/ApiKeysPage'
import { FirstRunPage } from './pages/firstRun/FirstRunPage'
import { ModelsPage } from './pages/models/ModelsPage'
import { ModulesPage } from './pages/modules/ModulesPage'
import { PersonasPage } from './pages/personas/PersonasPage'
import { WorkersPage } from './pages/workers/WorkersPage'
import { useModulesStore } from './stores/modulesStore'
import { useRouteStore, type PageId } from './stores/routeStore'
import { useSessionStore } from './stores/sessionStore'

const TITLES: Record<PageId, string> = { modules: 'Modules', workers: 'Workers', models: 'Models', personas: 'Personas', api: 'API keys' }

function Page({ page }: { page: PageId }) {
  switch (page) {
    case 'modules':
      return <ModulesPage />
    case 'workers':
      return <WorkersPage />
    case 'models':
      return <ModelsPage />
    case 'personas':
      return <PersonasPage />
    case 'api':
      return <ApiKeysPage />
  }
}

function Workbench() {
  const [about, setAbout] = useState(false)
  const onFiles = useCallback((files: File[]) => {
    for (const f of files) void wakeFromFile(f)
  }, [])
  const page = useRouteStore((s) => s.page)
  const dragging = useFileDrop(onFiles, page === 'modules')
  const workspace = useSessionStore((s) => s.workspace?.path)
  const refresh = useModulesStore((s) => s.refresh)
  useEffect(() => {
    if (workspace) void refresh()
  }, [workspace, refresh])

  return (
    <div className="app">
      <Sidebar onAbout={() => setAbout(true)} />
      <div className="main">
        <Header title={TITLES[page]} showWorkspace={page === 'modules'} />
        <Page page={page} />
      </div>
      {dragging && <FileDropOverlay />}
      {about && <AboutDialog onClose={() => setAbout(false)} />}
    </div>
  )
}

/**
 * Loads who we are and which workspace is open, then shows the workbench; the Modules page needs a
 * workspace, so without one it is the first-run screen (models and personas need none).
 */
export function App() {
  const status = useSessionStore((s) => s.status)
  const error = useSessionStore((s) => s.error)
  const hasWorkspace = useSessionStore((s) => s.workspace !== null)
  const load = useSessionStore((s) => s.load)
  const page = useRouteStore((s) => s.page)

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
      {status === 'ready' && (hasWorkspace || page !== 'modules' ? <Workbench /> : <FirstRunPage />)}
      <ProgressTray />
      <Toasts />
    </>
  )
}
