import type { SourceHealth } from '../../../../shared/contract/domains/health'
import type { Persona } from '../../../../shared/contract/inference'
import type { PatchDraft, StrategyFn } from '../types'
import { findPersona, hours, hoursToReach, issueOf, n2, notPending, overWindow, perHour, personaOf, TREND_HORIZON_HOURS, trendOf, when } from './signals'

/** Sampling steps: small enough that one patch does not swing the persona to the other side. */
const TEMPERATURE_STEP = 0.2
const TEMPERATURE_FLOOR = 0.1
const TEMPERATURE_CEILING = 1.2
const TOP_P_LOW = 0.8
const TOP_P_HIGH = 0.95

/**
 * Φ-degradation recovery (seed 003, strategy 2). Φ below `healthPhiMin` (uncertain, scattered
 * answers): lower the persona's temperature and narrow topP; if it has LoRA adapters, a second
 * proposal switches its genome off (adapters can pull answers apart). Φ above `healthPhiMax`
 * (repetitive answers): raise temperature and widen topP (persona settings have no repeat
 * penalty). Also when Φ is on its way past the threshold within the trend horizon.
 */
export const phiRecovery: StrategyFn = async (ctx) => {
  const drafts: PatchDraft[] = []
  for (const source of ctx.summary.sources) {
    const name = personaOf(source.source)
    if (!name) continue
    const persona = findPersona(ctx, name)
    if (!persona) continue
    const low = phiSignal(source, ctx.settings.healthPhiMin, 'below')
    if (low) drafts.push(...forUncertain(source.source, persona, low))
    const high = phiSignal(source, ctx.settings.healthPhiMax, 'above')
    if (high) {
      const d = forRepetitive(source.source, persona, high)
      if (d) drafts.push(d)
    }
  }
  return notPending(ctx, drafts)
}

/** The Φ signal past (or on its way past) a threshold, in words; null when Φ is fine. */
export function phiSignal(source: SourceHealth, threshold: number, direction: 'below' | 'above'): string | null {
  const phi = source.latest?.phi
  if (phi === null || phi === undefined) return null
  const issue = issueOf(source, direction === 'below' ? 'phi_low' : 'phi_high')
  const side = direction === 'below' ? 'below' : 'above'
  if (issue) return `Φ ${n2(issue.value)} is ${side} ${n2(threshold)} since ${when(issue.since)} (${issue.severity}).`
  const slope = trendOf(source, 'phi')
  const eta = hoursToReach(phi, slope, threshold, direction)
  if (eta !== null && eta > 0 && eta <= TREND_HORIZON_HOURS) {
    return `Φ ${n2(phi)} is moving ${perHour(slope!, n2)} over ${overWindow(source)} and goes ${side} ${n2(threshold)} in about ${hours(eta)}.`
  }
  return null
}

const round2 = (x: number) => Math.round(x * 100) / 100

function forUncertain(source: string, persona: Persona, why: string): PatchDraft[] {
  const { temperature, topP, genome } = persona.settings
  const drafts: PatchDraft[] = []
  const settings: Record<string, { from: unknown; to: unknown }> = {}
  const t = round2(Math.max(TEMPERATURE_FLOOR, temperature - TEMPERATURE_STEP))
  if (t < temperature) settings.temperature = { from: temperature, to: t }
  if (topP > TOP_P_LOW) settings.topP = { from: topP, to: TOP_P_LOW }
  if (Object.keys(settings).length) {
    drafts.push({
      source,
      strategy: 'phi-recovery',
      title: `Sharpen ${persona.name}’s sampling (${Object.entries(settings).map(([k, v]) => `${k} ${String(v.from)} → ${String(v.to)}`).join(', ')})`,
      rationale: `${why} Low Φ means the answers are uncertain and scattered; a lower temperature and a narrower topP make the model keep to its likelier tokens.`,
      change: { kind: 'persona', persona: persona.name, settings },
    })
  }
  if (genome.mode !== 'none' && genome.adapters.length > 0) {
    drafts.push({
      source,
      strategy: 'phi-recovery',
      title: `Switch off ${persona.name}’s genome (${genome.adapters.map((a) => a.name).join(', ')})`,
      rationale: `${why} Its genome (${genome.mode}: ${genome.adapters.map((a) => `${a.name} ×${a.scale}`).join(', ')}) adds LoRA adapters to the model; without them the answers come from the base model alone. The rollback puts the genome back as it is.`,
      change: { kind: 'persona', persona: persona.name, settings: { genome: { from: genome, to: { mode: 'none', adapters: [] } } } },
    })
  }
  return drafts
}

function forRepetitive(source: string, persona: Persona, why: string): PatchDraft | null {
  const { temperature, topP } = persona.settings
  const settings: Record<string, { from: unknown; to: unknown }> = {}
  const t = round2(Math.min(TEMPERATURE_CEILING, temperature + TEMPERATURE_STEP))
  if (t > temperature) settings.temperature = { from: temperature, to: t }
  if (topP < TOP_P_HIGH) settings.topP = { from: topP, to: TOP_P_HIGH }
  if (!Object.keys(settings).length) return null
  return {
    source,
    strategy: 'phi-recovery',
    title: `Loosen ${persona.name}’s sampling (${Object.entries(settings).map(([k, v]) => `${k} ${String(v.from)} → ${String(v.to)}`).join(', ')})`,
    rationale: `${why} High Φ means the answers are degenerate and repetitive; a higher temperature and a wider topP let the model leave the loop. (Persona settings have no repeat penalty to raise.)`,
    change: { kind: 'persona', persona: persona.name, settings },
  }
}
