import { isReady, type PageEntry } from '../pages/pageEntry'
import { pageRegistry } from '../pages/registry'
import { useRouteStore } from '../stores/routeStore'
import { Icon } from './Icon'

function NavEntry({ entry, current }: { entry: PageEntry; current: string }) {
  if (!isReady(entry)) {
    return (
      <span className="nav-item disabled" aria-disabled="true" title={`${entry.label}: coming soon`}>
        <Icon name={entry.icon} />
        <span>{entry.label}</span>
        <span className="soon">soon</span>
      </span>
    )
  }
  const active = current === entry.id
  return (
    <a className={`nav-item${active ? ' active' : ''}`} href={`#${entry.id}`} aria-current={active ? 'page' : undefined}>
      <Icon name={entry.icon} />
      <span>{entry.label}</span>
    </a>
  )
}

/** The left navigation: one link per page of the registry (the address's hash); unfinished sections say so. */
export function Sidebar({ onAbout }: { onAbout(): void }) {
  const page = useRouteStore((s) => s.page)
  const list = (nav: 'sections' | 'foot') =>
    pageRegistry
      .filter((entry) => (entry.nav ?? 'sections') === nav)
      .map((entry) => (
        <li key={entry.id}>
          <NavEntry entry={entry} current={page} />
        </li>
      ))
  return (
    <nav className="sidebar" aria-label="Sections">
      <div className="brand">
        <div className="brand-mark" aria-hidden="true">W</div>
        <span>Warden</span>
      </div>
      <ul className="nav-list">{list('sections')}</ul>
      <ul className="nav-list nav-foot">{list('foot')}</ul>
      <button type="button" className="nav-item about-button" onClick={onAbout}>
        <Icon name="info" />
        <span>About</span>
      </button>
    </nav>
  )
}
