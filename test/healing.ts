import * as path from 'node:path'
import type { Patch, PatchChange } from '../src/shared/contract/domains/healing'
import type { WardenHost } from '../src/main/services/host/WardenHost'
import type { ApplyContext } from '../src/main/services/healing/apply/context'
import { HealingJournal } from '../src/main/services/healing/apply/journal'
import { describeChange } from '../src/main/services/healing/describeChange'
import { newPatchId, PatchStore } from '../src/main/services/healing/PatchStore'

/** Tests: a proposed patch of this change, stored. */
export function storedPatch(store: PatchStore, change: PatchChange, fields: Partial<Patch> = {}): Patch {
  return store.insert({
    id: newPatchId(),
    createdAt: Date.now(),
    source: 'test',
    strategy: 'manual',
    title: `test ${change.kind}`,
    rationale: 'a test',
    change,
    diff: describeChange(change),
    status: 'proposed',
    fitness: { score: 0.8, parts: { phi: 0.8, basin: 0.8, errors: 0.8, quality: 1 }, recommendation: 'apply' },
    sandboxLog: '',
    evaluatedAt: Date.now(),
    decidedAt: null,
    decidedBy: null,
    appliedAt: null,
    rolledBackAt: null,
    outcome: null,
    error: null,
    ...fields,
  })
}

/** Tests: what applying reaches, on a real host (its database, settings, workspace). */
export function applyContextOf(host: WardenHost): ApplyContext {
  return {
    store: new PatchStore(host.database),
    settings: host.settings,
    inference: () => host.inference,
    hibernation: () => host.requireHibernation(),
    journal: new HealingJournal(path.join(host.home, 'healing', 'journal')),
    now: Date.now,
  }
}
