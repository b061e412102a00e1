import { create } from 'zustand'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import type { ActiveModule, HibernatedVersion, ModuleGroup } from '../lib/types'
import { guardedList } from './refetchGuard'

interface ModulesState {
  loaded: boolean
  groups: ModuleGroup[]
  hibernated: HibernatedVersion[]
  archived: HibernatedVersion[]
  archivedTotalSize: number
  error: WardenError | null
  refresh(): Promise<void>
  reset(): void
}

const initial = { loaded: false, groups: [], hibernated: [], archived: [], archivedTotalSize: 0, error: null }

/** The workspace's modules: active by kind, hibernated (newest unwoken version each) and archived. */
export const useModulesStore = create<ModulesState>()((set) => ({
  ...initial,
  ...guardedList(
    set,
    initial,
    () => {
      const client = wardenClient()
      return Promise.all([client.call('module.list', {}), client.call('module.listHibernated', {}), client.call('module.listArchived', {})])
    },
    ([list, hibernated, archived]) => ({ groups: list.kinds, hibernated: hibernated.modules, archived: archived.modules, archivedTotalSize: archived.totalSize }),
  ),
}))

export function findActive(groups: ModuleGroup[], name: string): ActiveModule | undefined {
  for (const g of groups) {
    const m = g.modules.find((x) => x.name === name)
    if (m) return m
  }
  return undefined
}

/** Every active module that would go with `name`: its dependents, their dependents, and so on. */
export function dependentTree(groups: ModuleGroup[], name: string): string[] {
  const seen = new Set<string>([name])
  const queue = [name]
  while (queue.length) {
    const m = findActive(groups, queue.shift()!)
    for (const d of m?.dependents ?? []) {
      if (!seen.has(d)) {
        seen.add(d)
        queue.push(d)
      }
    }
  }
  seen.delete(name)
  return [...seen]
}
