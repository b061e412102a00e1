import { useRouteStore, type PageId } from '../stores/routeStore'
import { Icon, type IconName } from './Icon'

const SECTIONS: Array<{ id: PageId | 'health'; label: string; icon: IconName; ready: boolean }> = [
  { id: 'modules', label: 'Modules', icon: 'modules', ready: true },
  { id: 'workers', label: 'Workers', icon: 'workers', ready: true },
  { id: 'models', label: 'Models', icon: 'models', ready: true },
  { id: 'personas', label: 'Personas', icon: 'personas', ready: true },
  { id: 'api', label: 'API keys', icon: 'key', ready: true },
  { id: 'health', label: 'Health', icon: 'health', ready: false },
]

/** The left navigation: one link per page (the address's hash); unfinished sections say so. */
export function Sidebar({ onAbout }: { onAbout(): void }) {
  const page = useRouteStore((s) => s.page)
  return (
    <nav className="sidebar" aria-label="Sections">
      <div className="brand">
        <div className="brand-mark" aria-hidden="true">W</div>
        <span>Warden</span>
      </div>
      <ul className="nav-list">
        {SECTIONS.map((s) => (
          <li key={s.id}>
            {s.ready ? (
              <a className={`nav-item${page === s.id ? ' active' : ''}`} href={`#${s.id}`} aria-current={page === s.id ? 'page' : undefined}>
                <Icon name={s.icon} />
                <span>{s.label}</span>
              </a>
            ) : (
              <span className="nav-item disabled" aria-disabled="true" title={`${s.label}: coming soon`}>
                <Icon name={s.icon} />
                <span>{s.label}</span>
                <span className="soon">soon</span>
              </span>
            )}
          </li>
        ))}
      </ul>
      <button type="button" className="nav-item about-button" onClick={onAbout}>
        <Icon name="info" />
        <span>About</span>
      </button>
    </nav>
  )
}
