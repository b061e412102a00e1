import type { HealthSummary } from '../../../shared/contract/domains/health'
import type { Patch } from '../../../shared/contract/domains/healing'

/** What a patch aimed at, read from the health summary: its source's status and signals. */
export interface OutcomeReading {
  status: string
  phi: number | null
  drift: number | null
  errorRate: number | null
}

/** The health source a patch is about (a persona patch: `persona:NAME`; a worker action: `model:ID`). */
export function healthSourceOf(patch: Pick<Patch, 'source' | 'change'>): string {
  const { change } = patch
  if (change.kind === 'persona' && !patch.source.includes(':')) return `persona:${change.persona}`
  if (change.kind === 'worker-action' && !patch.source.includes(':')) return `model:${change.model}`
  return patch.source
}

export function readingOf(summary: HealthSummary, source: string): OutcomeReading | null {
  const s = summary.sources.find((x) => x.source === source)
  if (!s) return null
  return { status: s.status, phi: s.latest?.phi ?? null, drift: s.latest?.drift ?? null, errorRate: s.latest?.errorRate ?? null }
}

const rank: Record<string, number> = { normal: 0, warning: 1, critical: 2 }
/** Changes smaller than this are noise, not an improvement. */
const EPSILON = 1e-3

/**
 * Whether the signals a patch aimed at improved by the next look: its source's status better, or
 * no worse with Φ higher, drift lower or the error rate lower (a source already normal that stays
 * normal counts: nothing got worse). A module diff or wake is judged on the module's tests instead
 * (HealingEngine.measureModuleOutcome); a hibernation, without health readings, succeeds when it is
 * still in place at the next look.
 */
export function judgeOutcome(before: OutcomeReading | null, after: OutcomeReading | null): 'success' | 'failure' {
  if (!before || !after) return 'success'
  const b = rank[before.status]
  const a = rank[after.status]
  if (a === undefined || b === undefined) return 'success'
  if (a < b) return 'success'
  if (a > b) return 'failure'
  if (a === 0) return 'success'
  const better = (x: number | null, y: number | null, higherIsBetter: boolean) => x !== null && y !== null && (higherIsBetter ? y - x > EPSILON : x - y > EPSILON)
  return better(before.phi, after.phi, true) || better(before.drift, after.drift, false) || better(before.errorRate, after.errorRate, false) ? 'success' : 'failure'
}
