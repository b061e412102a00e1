// The shared styles come first: each page's own (imported by its pages/<page>/page.ts) build on them.
import './styles/theme.css'
import './styles/shell.css'
import './styles/controls.css'
import './styles/labels.css'
import './styles/content.css'
import './styles/overlays.css'
import './styles/cards.css'
import './styles/page.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { WardenError } from '../../shared/errors'
import { App } from './App'
import { ErrorCallout } from './components/ErrorCallout'
import { createClient } from './client/createClient'
import { provideClient } from './client/clientInstance'
import { pageIds } from './pages/registry'
import { startLiveUpdates } from './stores/liveUpdates'
import { followHash } from './stores/routeStore'

const root = createRoot(document.getElementById('root')!)

try {
  const client = createClient()
  provideClient(client)
  startLiveUpdates(client)
  followHash(pageIds)
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
