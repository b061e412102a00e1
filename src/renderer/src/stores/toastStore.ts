import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'

export type ToastKind = 'success' | 'error' | 'warning' | 'info'

export interface Toast {
  id: number
  kind: ToastKind
  title: string
  message?: string
  /** What the person can do about an error. */
  hint?: string
  /** Where to look, e.g. the Health page of a degraded source. */
  link?: { href: string; label: string }
}

interface ToastState {
  toasts: Toast[]
  push(toast: Omit<Toast, 'id'>): number
  dismiss(id: number): void
  reset(): void
}

let nextId = 1

/** Results and errors, shown in the corner; the newest last. At most six are kept. */
export const useToastStore = create<ToastState>()((set) => ({
  toasts: [],
  push: (toast) => {
    const id = nextId++
    set((s) => ({ toasts: [...s.toasts, { ...toast, id }].slice(-6) }))
    return id
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
  reset: () => set({ toasts: [] }),
}))

export function toastSuccess(title: string, message?: string): void {
  useToastStore.getState().push({ kind: 'success', title, message })
}

export function toastError(error: WardenError, title?: string): void {
  useToastStore.getState().push({ kind: 'error', title: title ?? error.message, message: title ? error.message : undefined, hint: error.hint })
}
