import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../test/fixtures'
import { storedPatch } from '../../../../test/healing'
import { WardenDatabase } from '../storage/Database'
import { PatchStore } from './PatchStore'

const open: WardenDatabase[] = []
afterEach(() => {
  while (open.length) open.pop()!.dispose()
})

function store(file = path.join(tempDir('warden-patches-'), 'warden.db')) {
  const db = new WardenDatabase(file)
  open.push(db)
  return { store: new PatchStore(db), file }
}

describe('the patch store', () => {
  it('lists patches newest first, by status, source and strategy, and finds the same change still open', () => {
    const { store: s } = store()
    const a = storedPatch(s, { kind: 'worker-action', model: 'm', action: 'pin' }, { createdAt: 1, source: 'model:m', strategy: 'performance' })
    const b = storedPatch(s, { kind: 'settings', changes: [{ key: 'maxVRAM', from: 0, to: 1 }] }, { createdAt: 2, source: 'ocean', strategy: 'phi-recovery' })
    const c = storedPatch(s, { kind: 'module-action', module: 'alpha', action: 'hibernate' }, { createdAt: 3, source: 'alpha', strategy: 'error-spike', status: 'applied', appliedAt: 4 })
    expect(s.list({ status: 'pending', limit: 10 }).map((p) => p.id)).toEqual([b.id, a.id])
    expect(s.list({ status: 'all', limit: 10 }).map((p) => p.id)).toEqual([c.id, b.id, a.id])
    expect(s.list({ status: 'applied', limit: 10 }).map((p) => p.id)).toEqual([c.id])
    expect(s.list({ status: 'all', source: 'ocean', limit: 10 }).map((p) => p.id)).toEqual([b.id])
    expect(s.list({ status: 'all', strategy: 'performance', limit: 10 }).map((p) => p.id)).toEqual([a.id])
    // The same change, keys in another order, is the same proposal.
    expect(s.sameOpen({ kind: 'worker-action', action: 'pin', model: 'm' })?.id).toBe(a.id)
    expect(s.sameOpen({ kind: 'worker-action', action: 'unpin', model: 'm' })).toBeNull()
    expect(s.require(b.id).change).toEqual({ kind: 'settings', changes: [{ key: 'maxVRAM', from: 0, to: 1 }] })
  })

  it('keeps the auto-apply choice in its own table, off until set, across processes', () => {
    const { store: s, file } = store()
    expect(s.autoApply()).toEqual({ enabled: false, kinds: [], changedAt: null })
    s.setAutoApply(true, ['settings', 'worker-action'], 5)
    expect(store(file).store.autoApply()).toEqual({ enabled: true, kinds: ['settings', 'worker-action'], changedAt: 5 })
  })
})
