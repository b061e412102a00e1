import { beforeEach, describe, expect, it } from 'vitest'
import { provideClient } from '../client/clientInstance'
import type { ActiveModule, ModuleGroup } from '../lib/types'
import { fakeClient } from '../testing/fakeClient'
import { dependentTree, useModulesStore } from './modulesStore'

function mod(name: string, dependents: string[]): ActiveModule {
  return {
    name,
    kind: 'commands',
    type: 'command',
    version: '1.0.0',
    description: null,
    path: `commands/${name}`,
    size: 1,
    fileCount: 1,
    dependencies: [],
    dependents,
    usage: { lastUsed: null, totalCalls: 0, avgCallsPerDay: 0 },
  }
}

describe('dependentTree', () => {
  const groups: ModuleGroup[] = [{ kind: 'commands', modules: [mod('data', ['user', 'chat']), mod('user', ['badge']), mod('chat', ['user']), mod('badge', []), mod('alone', [])] }]

  it('lists everything that depends on a module, directly or not, once', () => {
    expect(dependentTree(groups, 'data').sort()).toEqual(['badge', 'chat', 'user'])
  })

  it('is empty for a module nobody uses', () => {
    expect(dependentTree(groups, 'alone')).toEqual([])
  })
})

describe('modules store', () => {
  beforeEach(() => useModulesStore.getState().reset())

  it('keeps the newest refresh when an older one answers late', async () => {
    const answers: Array<(v: unknown) => void> = []
    const fake = fakeClient({
      'module.list': () => new Promise((resolve) => answers.push(resolve)),
      'module.listHibernated': () => ({ modules: [] }),
      'module.listArchived': () => ({ modules: [], totalSize: 0 }),
    })
    provideClient(fake.client)
    const first = useModulesStore.getState().refresh()
    const second = useModulesStore.getState().refresh()
    await Promise.resolve()
    answers[1]({ workspace: '/w', kinds: [{ kind: 'new', modules: [] }] })
    await second
    answers[0]({ workspace: '/w', kinds: [{ kind: 'old', modules: [] }] })
    await first
    expect(useModulesStore.getState().groups.map((g) => g.kind)).toEqual(['new'])
  })

  it('keeps the error to show when the host refuses', async () => {
    const fake = fakeClient({})
    provideClient(fake.client)
    await useModulesStore.getState().refresh()
    expect(useModulesStore.getState().error?.message).toMatch(/no handler for module.list/)
  })
})
