import { create } from 'zustand'

export const pages = ['modules', 'workers', 'models', 'personas', 'api'] as const
export type PageId = (typeof pages)[number]

/** The page named by the address's hash (`#personas`); Modules when it names none we have. */
export function pageFromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '')
  return (pages as readonly string[]).includes(id) ? (id as PageId) : 'modules'
}

interface RouteState {
  page: PageId
}

/**
 * Which page shows. The hash is the source of truth, so Back/Forward, reloads and links
 * (`<a href="#models">`) all work.
 */
export const useRouteStore = create<RouteState>()(() => ({
  page: typeof window === 'undefined' ? 'modules' : pageFromHash(window.location.hash),
}))

/** Follow the hash; returns the function that stops following. Called once at startup. */
export function followHash(): () => void {
  const sync = () => useRouteStore.setState({ page: pageFromHash(window.location.hash) })
  window.addEventListener('hashchange', sync)
  sync()
  return () => window.removeEventListener('hashchange', sync)
}
