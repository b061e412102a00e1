import { create } from 'zustand'

/** The page named by the address's hash (`#personas`); the first of `known` when it names none of them. */
export function pageFromHash(hash: string, known: readonly string[]): string {
  const id = hash.replace(/^#\/?/, '')
  return known.includes(id) ? id : known[0]
}

interface RouteState {
  /** The id of the page that shows (see pages/registry.ts). */
  page: string
}

/**
 * Which page shows. The hash is the source of truth, so Back/Forward, reloads and links
 * (`<a href="#models">`) all work.
 */
export const useRouteStore = create<RouteState>()(() => ({ page: '' }))

/** Follow the hash among the `known` pages; returns the function that stops following. Called once at startup. */
export function followHash(known: readonly string[]): () => void {
  const sync = () => useRouteStore.setState({ page: pageFromHash(window.location.hash, known) })
  window.addEventListener('hashchange', sync)
  sync()
  return () => window.removeEventListener('hashchange', sync)
}
