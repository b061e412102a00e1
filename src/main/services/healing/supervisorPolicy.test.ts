import { describe, expect, it } from 'vitest'
import type { HibernatedVersion } from '../../../shared/contract/schemas'
import { CHECK_TIMEOUT, planForFailure, planForReview, REPEAT_WINDOW_MS, reviewCandidates, reviewKey, type FailureFacts } from './supervisorPolicy'

const NOW = Date.UTC(2026, 11, 2, 12)
const HOUR = 3_600_000

const facts = (over: Partial<FailureFacts> = {}): FailureFacts => ({
  name: 'chat-send',
  error: { type: 'TypeError', message: "Cannot read properties of undefined (reading 'userId')\n    at send (index.js:3)" },
  active: { dependents: [] },
  hibernated: null,
  autoHibernate: true,
  lastProposal: null,
  now: NOW,
  ...over,
})

describe('the supervisor’s failure policy', () => {
  it('hibernates an isolated failure at once, saying why', () => {
    const plan = planForFailure(facts())
    expect(plan.action).toBe('hibernate')
    expect(plan.reasons).toEqual([
      "chat-send failed: TypeError: Cannot read properties of undefined (reading 'userId')",
      'no active module depends on it: an isolated failure',
      expect.stringContaining('aresAutoHibernate'),
    ])
  })

  it('proposes hibernating the tree when active modules depend on it', () => {
    const plan = planForFailure(facts({ active: { dependents: ['chat-widget', 'notification-command'] } }))
    expect(plan).toMatchObject({ action: 'propose', change: { kind: 'module-action', module: 'chat-send', action: 'hibernate-tree' }, title: 'Hibernate chat-send and its 2 dependent(s)' })
    expect(plan.reasons[1]).toBe('active modules depend on it: chat-widget, notification-command')
  })

  it('proposes instead of hibernating when the autonomy is switched off', () => {
    const plan = planForFailure(facts({ autoHibernate: false }))
    expect(plan).toMatchObject({ action: 'propose', change: { kind: 'module-action', module: 'chat-send', action: 'hibernate' } })
    expect(plan.reasons.join(' ')).toContain('aresAutoHibernate is off')
  })

  it('proposes instead of hibernating when Warden’s own check only ran out of time', () => {
    const plan = planForFailure(facts({ error: { type: CHECK_TIMEOUT, message: 'module check: its tests failed: (stopped after 30 s)' } }))
    expect(plan).toMatchObject({ action: 'propose', change: { kind: 'module-action', module: 'chat-send', action: 'hibernate' } })
    expect(plan.reasons[2]).toContain('slow is not necessarily broken')
  })

  it('does not propose again while a proposal waits, nor act on a module already hibernated; an unknown module is bad input', () => {
    const recent = planForFailure(facts({ active: { dependents: ['ui'] }, lastProposal: { at: NOW - HOUR, patchId: 'p-abcd1234' } }))
    expect(recent.action).toBe('ignore')
    expect(recent.reasons[1]).toContain('p-abcd1234')
    expect(planForFailure(facts({ active: { dependents: ['ui'] }, lastProposal: { at: NOW - REPEAT_WINDOW_MS - 1, patchId: null } })).action).toBe('propose')
    const asleep = planForFailure(facts({ active: null, hibernated: { at: NOW - 2 * HOUR, by: 'ares', reason: 'runtime-failure' } }))
    expect(asleep.action).toBe('ignore')
    expect(asleep.reasons[1]).toBe('it is already hibernated (2 h ago, by ares, reason runtime-failure): nothing runs it now')
    expect(planForFailure(facts({ active: null })).action).toBe('unknown')
  })
})

describe('the review of hibernated modules', () => {
  const version = (over: Partial<HibernatedVersion> = {}): HibernatedVersion => ({
    name: 'flaky', kind: 'commands', type: 'command', version: '1.0.0', hibernatedAt: NOW - 30 * HOUR, reason: 'runtime-failure',
    error: { type: 'TestFailure', message: 'its tests failed' }, hibernatedBy: 'ares', size: 100, fileCount: 3, unpackedSize: 300,
    usage: { lastUsed: null, totalCalls: 0, avgCallsPerDay: 0 }, dependencies: [], dependents: [], location: 'hibernation',
    archivePath: '/x.tgz', metadataPath: '/x.metadata.json', sha256: 'a'.repeat(64), restorable: true, problem: null, wokenAt: null,
    group: null, archivesInDays: 28, lastWorkingVersion: null,
    ...over,
  })

  it('looks at failures older than the review age, once per version', () => {
    const old = version()
    const young = version({ name: 'young', hibernatedAt: NOW - 2 * HOUR })
    const deprecated = version({ name: 'old-feature', reason: 'deprecated', error: undefined, hibernatedBy: 'person' })
    const broken = version({ name: 'broken', restorable: false })
    expect(reviewCandidates([old, young, deprecated, broken], new Set(), NOW, 24).map((v) => v.name)).toEqual(['flaky'])
    expect(reviewCandidates([old], new Set([reviewKey('flaky', old.hibernatedAt)]), NOW, 24)).toEqual([])
    expect(reviewCandidates([young], new Set(), NOW, 1).map((v) => v.name)).toEqual(['young'])
  })

  it('proposes waking only when its tests (or its entry point) pass from the archive', () => {
    expect(planForReview(version(), { ok: true, ran: 'tests', output: 'ok' }, NOW)).toEqual({
      action: 'propose-wake',
      reasons: ['flaky was hibernated 30 h ago (reason runtime-failure: TestFailure: its tests failed)', 'its tests, run from its archive against today’s workspace, now pass', expect.stringContaining('low risk')],
    })
    const failing = planForReview(version(), { ok: false, ran: 'tests', output: 'running\nAssertionError: expected 2, got 3\n' }, NOW)
    expect(failing).toEqual({ action: 'keep', reasons: [expect.any(String), 'its tests, run from its archive against today’s workspace, still fail: AssertionError: expected 2, got 3'] })
    expect(planForReview(version(), { ok: true, ran: 'nothing', output: '' }, NOW).action).toBe('keep')
  })
})
