import * as path from 'node:path'
import type { Patch, PatchChange } from '../src/shared/contract/domains/healing'
import type { WardenHost } from '../src/main/services/host/WardenHost'
import type { FitnessOf, PatchDraft, Sandbox, SignalReading } from '../src/main/services/healing/types'
import type { ApplyContext } from '../src/main/services/healing/apply/context'
import { HealingJournal } from '../src/main/services/healing/apply/journal'
import { newPatchRecord, PatchStore } from '../src/main/services/healing/PatchStore'

/** Tests: a proposed patch of this change, stored. */
export function storedPatch(store: PatchStore, change: PatchChange, fields: Partial<Patch> = {}): Patch {
  return store.insert({
    ...newPatchRecord({ source: 'test', strategy: 'manual', title: `test ${change.kind}`, rationale: 'a test', change }, Date.now()),
    status: 'proposed',
    fitness: { score: 0.8, parts: { phi: 0.8, basin: 0.8, errors: 0.8, quality: 1 }, recommendation: 'apply' },
    evaluatedAt: Date.now(),
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

/**
 * Tests: a real sandbox for patches with health signals — it reads the patch's source in the health
 * summary, runs `probe` (what the test's "system" does with the patch: sends snapshots), and reads
 * it again. The real sandbox (probe prompts, module tests) is heal-sandbox's.
 */
export function readingSandbox(health: () => Pick<WardenHost['health'], 'summary'>, probe: (draft: PatchDraft) => Promise<void> | void = () => {}): Sandbox {
  return {
    async evaluate(draft, options) {
      const started = Date.now()
      const read = (): SignalReading => {
        const s = health().summary().sources.find((x) => x.source === draft.source)
        return { phi: s?.latest?.phi ?? null, drift: s?.latest?.drift ?? null, errorRate: s?.latest?.errorRate ?? null, testsPassed: null, testsFailed: null }
      }
      options?.onProgress?.('reading the signals before', 0)
      const before = read()
      await probe(draft)
      const after = read()
      options?.onProgress?.('read the signals after', 1)
      return { passed: null, before, after, quality: 1, log: `Φ ${before.phi} → ${after.phi}`, durationMs: Date.now() - started }
    },
  }
}

/** Tests: seed 003's weights on the readings (Φ gained, drift and errors lost), each part in [0, 1]. */
export const weightedFitness: FitnessOf = (r, threshold) => {
  const clamp = (x: number) => Math.min(1, Math.max(0, x))
  const gain = (b: number | null, a: number | null, up: boolean) => (b === null || a === null ? 0.5 : clamp(0.5 + (up ? a - b : b - a) * 2.5))
  const parts = { phi: gain(r.before.phi, r.after.phi, true), basin: gain(r.before.drift, r.after.drift, false), errors: gain(r.before.errorRate, r.after.errorRate, false), quality: r.quality }
  const score = 0.4 * parts.phi + 0.3 * parts.basin + 0.2 * parts.errors + 0.1 * parts.quality
  return { score, parts, recommendation: score >= threshold ? 'apply' : score >= threshold - 0.2 ? 'test_more' : 'reject' }
}
