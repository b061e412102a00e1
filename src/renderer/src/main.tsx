import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { WardenError } from '../../shared/errors'
import { App } from './App'
import { ErrorCallout } from './components/ErrorCallout'
import { createClient } from './client/createClient'
import { provideClient } from './client/clientInstance'
import { startLiveUpdates } from './stores/liveUpdates'
import { followHash } from './stores/routeStore'
import './styles/theme.css'
import './styles/shell.css'
import './styles/firstRun.css'
import './styles/controls.css'
import './styles/labels.css'
import './styles/content.css'
import './styles/overlays.css'
import './styles/modules.css'
import './styles/cards.css'
import './styles/detail.css'
import './styles/inference.css'
import './styles/workers.css'
import './styles/models.css'
import './styles/personas.css'
import './styles/apiKeys.css'

const root = createRoot(document.getElementById('root')!)

try {
  const client = createClient()
  provideClient(client)
  startLiveUpdates(client)
  followHash()
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  )
} catch (thrown) {
  // Without a client (e.g. the page was opened without its token) there is nothing to talk to: say what to do.
  const error = WardenError.from(thrown)
  root.render(
    <div className="splash">
      <ErrorCallout error={error} />
    </div>,
  )
}
