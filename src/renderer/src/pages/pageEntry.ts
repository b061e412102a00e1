import type { ComponentType } from 'react'
import type { IconName } from '../components/Icon'

interface PageBase {
  /** The page's address is `#id`. */
  id: string
  /** Its name in the navigation and, unless `title` says otherwise, in the header. */
  label: string
  icon: IconName
  /** Where its link sits: with the sections, or at the sidebar's foot beside About. Defaults to `sections`. */
  nav?: 'sections' | 'foot'
}

/** A page of the app: everything the shell needs to route to it, list it and show it. */
export interface ReadyPage extends PageBase {
  component: ComponentType
  /** The header's title. Defaults to `label`. */
  title?: string
  /** Without an open workspace the first-run screen shows instead (it offers to open one). Defaults to false. */
  needsWorkspace?: boolean
  /** The header shows the open workspace, which opens another. Defaults to false. */
  showsWorkspace?: boolean
  /** Files dragged from the desktop onto the window while the page shows; none accepted without it. */
  onFileDrop?(files: File[]): void
}

/** A section listed in the navigation as coming soon: no address, no component. */
export interface ComingSoonPage extends PageBase {
  comingSoon: true
}

export type PageEntry = ReadyPage | ComingSoonPage

export function isReady(page: PageEntry): page is ReadyPage {
  return !('comingSoon' in page)
}
