import { apiKeysPage } from './api/page'
import { genomePage } from './genome/page'
import { healingPage } from './healing/page'
import { healthPage } from './health/page'
import { modelsPage } from './models/page'
import { modulesPage } from './modules/page'
import { isReady, type PageEntry, type ReadyPage } from './pageEntry'
import { personasPage } from './personas/page'
import { settingsPage } from './settings/page'
import { workersPage } from './workers/page'

/**
 * Every page of the app, in navigation order: its address, its link (label, icon), its component
 * and, through its folder's `page.ts`, its styles. Adding a page is one entry here and its folder.
 */
export const pageRegistry: readonly PageEntry[] = [
  modulesPage,
  workersPage,
  modelsPage,
  personasPage,
  genomePage,
  apiKeysPage,
  healthPage,
  healingPage,
  settingsPage,
]

export const readyPages: readonly ReadyPage[] = pageRegistry.filter(isReady)

/** The addresses we have; the first is where an address naming none of them goes. */
export const pageIds: readonly string[] = readyPages.map((p) => p.id)

/** The page of `id`, or the first page when there is none of that name. */
export function pageById(id: string): ReadyPage {
  return readyPages.find((p) => p.id === id) ?? readyPages[0]
}
