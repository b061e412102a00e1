import type { EventPayload } from '../../../shared/contract/events'
import { readyPages } from '../pages/registry'
import type { Toast } from './toastStore'

/**
 * The toast of an `alert` event: its level, title and message, and a link to the page that shows
 * more when the alert names one (a health alert: the Health page).
 */
export function alertToast(alert: EventPayload<'alert'>): Omit<Toast, 'id'> {
  const page = alert.page ? readyPages.find((p) => p.id === alert.page) : undefined
  return {
    kind: alert.level,
    title: alert.title,
    message: alert.message,
    ...(page && { link: { href: `#${page.id}`, label: `Open ${page.label}` } }),
  }
}
