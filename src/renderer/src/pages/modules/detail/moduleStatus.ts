import type { HibernatedVersion, ModuleVersions } from '../../../lib/types'

export type ModuleStatus = 'active' | 'hibernated' | 'archived' | 'gone'

/** Where the module is now, and the stored version that describes it when it is not active. */
export function moduleStatus(data: ModuleVersions): { status: ModuleStatus; latest: HibernatedVersion | null } {
  const newest = [...data.versions].sort((a, b) => b.hibernatedAt - a.hibernatedAt)
  if (data.active) return { status: 'active', latest: newest[0] ?? null }
  const sleeping = newest.find((v) => v.wokenAt === null)
  if (sleeping) return { status: sleeping.location === 'archive' ? 'archived' : 'hibernated', latest: sleeping }
  return { status: 'gone', latest: newest[0] ?? null }
}

export const STATUS_LABEL: Record<ModuleStatus, string> = {
  active: 'Active',
  hibernated: 'Hibernated',
  archived: 'Archived',
  gone: 'Not active',
}

/** "Nov 21, 12:22:08" (with the year when it is not this one): versions are often seconds apart. */
export function formatDate(ms: number): string {
  const d = new Date(ms)
  const sameYear = d.getFullYear() === new Date().getFullYear()
  return d.toLocaleString(undefined, {
    year: sameYear ? undefined : 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  })
}
