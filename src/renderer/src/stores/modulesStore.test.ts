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

  it('keeps the newest refresh: one asked while another is in flight is fetched after it', async () => {
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
    expect(answers).toHaveLength(1)
    answers[0]({ workspace: '/w', kinds: [{ kind: 'old', modules: [] }] })
    await first
    await new Promise((r) => setTimeout(r, 0))
    answers[1]({ workspace: '/w', kinds: [{ kind: 'new', modules: [] }] })
    await second
    expect(useModulesStore.getState().groups.map((g) => g.kind)).toEqual(['new'])
  })

  it('drops an answer that arrives after a reset (another workspace opened)', async () => {
    let answer: (v: unknown) => void = () => undefined
    const fake = fakeClient({
      'module.list': () => new Promise((resolve) => (answer = resolve)),
      'module.listHibernated': () => ({ modules: [] }),
      'module.listArchived': () => ({ modules: [], totalSize: 0 }),
    })
    provideClient(fake.client)
    const late = useModulesStore.getState().refresh()
    await Promise.resolve()
    useModulesStore.getState().reset()
    answer({ workspace: '/old', kinds: [{ kind: 'old', modules: [] }] })
    await late
    expect(useModulesStore.getState()).toMatchObject({ loaded: false, groups: [] })
  })

  it('keeps the error to show when the host refuses', async () => {
    const fake = fakeClient({})
    provideClient(fake.client)
    await useModulesStore.getState().refresh()
    expect(useModulesStore.getState().error?.message).toMatch(/no handler for module.list/)
  })
})
