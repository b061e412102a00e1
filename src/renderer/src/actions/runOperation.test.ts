import { beforeEach, describe, expect, it } from 'vitest'
import { WardenError } from '../../../shared/errors'
import { provideClient } from '../client/clientInstance'
import { useProgressStore } from '../stores/progressStore'
import { useToastStore } from '../stores/toastStore'
import { fakeClient } from '../testing/fakeClient'
import { runOperation } from './runOperation'

describe('runOperation', () => {
  beforeEach(() => {
    useToastStore.getState().reset()
    useProgressStore.getState().reset()
  })

  it('shows progress under its own call id while the call runs', async () => {
    let seen: string | undefined
    const fake = fakeClient({
      'module.verify': (_input, callId) => {
        seen = callId
        expect(useProgressStore.getState().running.map((r) => r.callId)).toEqual([callId])
        return { ok: true, checked: { archives: 0, activeModules: 0 }, problems: [], repaired: [] }
      },
    })
    provideClient(fake.client)
    const out = await runOperation('module.verify', {}, { label: 'Verifying' })
    expect(out.ok).toBe(true)
    expect(seen).toMatch(/^ui-/)
    expect(useProgressStore.getState().running).toEqual([])
  })

  it('turns an error into a toast with its message and hint, and returns it', async () => {
    const fake = fakeClient({
      'module.wake': () => {
        throw new WardenError('CONFLICT', 'hello is already active', { hint: 'Hibernate the active one first.' })
      },
    })
    provideClient(fake.client)
    const out = await runOperation('module.wake', { name: 'hello' }, { label: 'Waking hello' })
    expect(out.ok).toBe(false)
    expect(useToastStore.getState().toasts).toMatchObject([{ kind: 'error', title: 'Waking hello failed', message: 'hello is already active', hint: 'Hibernate the active one first.' }])
  })

  it('leaves expected errors to the caller', async () => {
    const fake = fakeClient({
      'module.hibernate': () => {
        throw new WardenError('HAS_DEPENDENTS', 'data has active dependents: user', { details: { dependents: ['user'] } })
      },
    })
    provideClient(fake.client)
    const out = await runOperation('module.hibernate', { name: 'data' }, { label: 'Hibernating data', expected: ['HAS_DEPENDENTS'] })
    expect(!out.ok && out.error.code).toBe('HAS_DEPENDENTS')
    expect(useToastStore.getState().toasts).toEqual([])
  })
})
