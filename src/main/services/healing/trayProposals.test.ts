import { describe, expect, it } from 'vitest'
import type { Patch } from '../../../shared/contract/domains/healing'
import { trayProposals } from './trayProposals'

const patch = (i: number, fields: Partial<Patch> = {}): Patch => ({
  id: `p-test${i}`,
  createdAt: 1000 - i,
  source: 'persona:Ada',
  strategy: 'phi-recovery',
  title: `Lower the temperature of Ada (${i})`,
  rationale: 'Φ is low',
  change: { kind: 'settings', changes: [{ key: 'maxVRAM', from: 0, to: 1 }] },
  diff: '',
  status: 'proposed',
  fitness: { score: 0.8123, parts: { phi: 1, basin: 1, errors: 0.5, quality: 1 }, recommendation: 'apply' },
  sandboxLog: '',
  evaluatedAt: null,
  decidedAt: null,
  decidedBy: null,
  appliedAt: null,
  rolledBackAt: null,
  outcome: null,
  error: null,
  ...fields,
})

describe('the tray’s pending proposals', () => {
  it('says nothing when none waits, and counts and lists the newest few when some do', () => {
    expect(trayProposals([])).toEqual({ count: 0, tooltip: '', items: [] })

    const one = trayProposals([patch(1, { fitness: null })])
    expect(one).toEqual({ count: 1, tooltip: '1 healing proposal to review', items: ['📝 Lower the temperature of Ada (1)'] })

    const many = trayProposals(Array.from({ length: 8 }, (_, i) => patch(i, i === 0 ? { title: 'x'.repeat(200) } : {})))
    expect(many.count).toBe(8)
    expect(many.tooltip).toBe('8 healing proposals to review')
    expect(many.items).toHaveLength(6)
    expect(many.items[0]).toMatch(/^📝 x{69}… \(fitness 0\.81\)$/)
    expect(many.items[1]).toBe('📝 Lower the temperature of Ada (1) (fitness 0.81)')
    expect(many.items[5]).toBe('… and 3 more (Healing page)')
  })
})
