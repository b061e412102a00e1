import { create } from 'zustand'

export interface HibernateRequest {
  name: string
  reason: string
  /** Active modules that depend on it (directly or not); non-empty asks about the whole tree. */
  tree: string[]
  /** The direct dependents the host reported, when it refused. */
  direct: string[]
  busy: boolean
}

interface HibernateDialogState {
  request: HibernateRequest | null
  open(name: string, tree: string[]): void
  patch(changes: Partial<Omit<HibernateRequest, 'name'>>): void
  close(): void
}

/** The "why are you hibernating this?" dialog, opened by a drop, a button or the `h` key. */
export const useHibernateDialogStore = create<HibernateDialogState>()((set) => ({
  request: null,
  open: (name, tree) => set({ request: { name, reason: 'manual', tree, direct: [], busy: false } }),
  patch: (changes) => set((s) => (s.request ? { request: { ...s.request, ...changes } } : s)),
  close: () => set({ request: null }),
}))
