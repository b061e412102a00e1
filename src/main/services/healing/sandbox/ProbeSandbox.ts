/**
 * Settings and persona patches in the sandbox: the fixed probe prompts, each on its own stateless
 * context of the persona (its stored conversation and the health monitor never see them), once with
 * its current settings and once with the patch's, and the health signals of both runs — Φ from the
 * worker's token statistics, drift of the answers' basin from the source's baseline, error rate.
 * Worker actions cannot be tried on the side: their "before" is the worker's current readings.
 */
import { randomUUID } from 'node:crypto'
import type { SourceHealth } from '../../../../shared/contract/domains/health'
import type { PatchChange } from '../../../../shared/contract/domains/healing'
import { GenerationSettings, type Persona } from '../../../../shared/contract/inference'
import { WardenError } from '../../../../shared/errors'
import type { GenerateCall } from '../../inference/InferenceService'
import type { MeasuredResult } from '../../inference/generationEvents'
import { addTokenStats, basinCoords, emptyTokenStats, fisherRao, windowMetrics } from '../../health/metrics'
import type { ProgressReport, SandboxResult, SignalReading } from '../types'
import { PROBE_MAX_TOKENS, PROBE_PROMPTS, PROBE_SEED } from './probePrompts'
import { SandboxLog } from './SandboxLog'

/** What the probes need of the inference service (InferenceService has all of it). */
export interface ProbeInference {
  personas: { get(name: string): Persona; list(): Persona[] }
  probe(call: GenerateCall): Promise<MeasuredResult>
  embed(ref: string, texts: string[], call: { priority: 'batch'; signal?: AbortSignal }): Promise<{ vectors: number[][] }>
}

export interface ProbeSandboxOptions {
  /** The inference service (started on first use). */
  inference: () => ProbeInference
  /** A source's baseline basin (HealthStore.baseline), or null. */
  baseline: (source: string) => number[] | null
  /** A source's health now (its latest snapshot), or null: a worker action's "before". */
  sourceHealth: (source: string) => SourceHealth | null
  /** The embedding model setting ('' or null: the persona's own model embeds). */
  embeddingModel: () => string | null
  /** Defaults to PROBE_PROMPTS. */
  prompts?: readonly string[]
}

type RunOptions = { signal?: AbortSignal; onProgress?: ProgressReport }
type Overrides = Partial<GenerationSettings>

const GENERATION_KEYS = new Set(Object.keys(GenerationSettings.shape))
/** Keys whose effect a stateless probe cannot show: the genome's adapters are assembled when the persona chats. */
const UNPROBED_KEYS = new Set(['genome'])

export class ProbeSandbox {
  constructor(private readonly options: ProbeSandboxOptions) {}

  async evaluate(change: Extract<PatchChange, { kind: 'settings' | 'persona' | 'worker-action' }>, source: string, options: RunOptions = {}): Promise<SandboxResult> {
    const started = Date.now()
    const log = new SandboxLog()
    if (change.kind === 'worker-action') {
      const before = this.currentReading(`model:${change.model}`)
      log.line(`Worker action "${change.action}" on ${change.model}: it cannot be tried on the side, so nothing was run.`)
      log.line(`Before: the worker's current readings (${describeReading(before)}). After: unknown — measured only once the action is applied.`)
      return { passed: null, before, after: emptyReading(), quality: 1, log: log.text(), durationMs: Date.now() - started }
    }
    const persona = this.personaFor(change, source)
    const { before: beforeOverrides, after: afterOverrides, unprobed } = overridesOf(change)
    if (unprobed.length) log.line(`Not measurable by stateless probes: ${unprobed.join(', ')} (the readings below show the other changes only).`)
    if (change.kind === 'persona' && change.checkpoint) log.line(`Restoring checkpoint ${change.checkpoint} changes the stored conversation, which the stateless probes do not read: its effect is not measured here.`)
    const healthSource = source.startsWith('persona:') || source.startsWith('model:') ? source : `persona:${persona.name}`
    const baseline = this.options.baseline(healthSource)
    log.line(`Probing ${persona.name} (model ${persona.model}) with ${this.prompts.length} fixed prompts on stateless contexts, before and after; ${baseline ? `drift from ${healthSource}'s baseline` : `no baseline for ${healthSource}: drift not measured`}.`)
    options.onProgress?.('probes before', 0)
    const before = await this.runProbes(persona, beforeOverrides, baseline, options, 0)
    log.section('Before the patch', `settings ${JSON.stringify(beforeOverrides)}: ${describeReading(before.reading)}`, before.transcript)
    options.onProgress?.('probes after', 0.5)
    const after = await this.runProbes(persona, afterOverrides, baseline, options, 0.5)
    log.section('After the patch', `settings ${JSON.stringify(afterOverrides)}: ${describeReading(after.reading)}`, after.transcript)
    options.onProgress?.('done', 1)
    return { passed: null, before: before.reading, after: after.reading, quality: 1, log: log.text(), durationMs: Date.now() - started }
  }

  private get prompts(): readonly string[] {
    return this.options.prompts ?? PROBE_PROMPTS
  }

  /** The persona the patch is about, or for a settings patch on a model, one on that model. */
  private personaFor(change: Extract<PatchChange, { kind: 'settings' | 'persona' }>, source: string): Persona {
    const personas = this.options.inference().personas
    if (change.kind === 'persona') return personas.get(change.persona)
    if (source.startsWith('persona:')) return personas.get(source.slice('persona:'.length))
    if (source.startsWith('model:')) {
      const model = source.slice('model:'.length)
      const onModel = personas.list().find((p) => p.model === model)
      if (onModel) return onModel
      const now = Date.now()
      return { id: 'sandbox-probe', name: `probe of ${model}`, model, systemPrompt: '', settings: GenerationSettings.parse({}), createdAt: now, updatedAt: now, messages: 0 }
    }
    throw new WardenError('INVALID_INPUT', `A settings patch for ${source} cannot be probed: it names no persona or model`, { hint: 'Settings patches are evaluated on a persona (persona:NAME) or a model (model:ID).' })
  }

  private async runProbes(persona: Persona, overrides: Overrides, baseline: number[] | null, options: RunOptions, progressFrom: number) {
    const inference = this.options.inference()
    let stats = emptyTokenStats()
    let failures = 0
    const texts: string[] = []
    const lines: string[] = []
    for (const [i, prompt] of this.prompts.entries()) {
      if (options.signal?.aborted) throw new WardenError('CANCELLED', 'The sandbox run was cancelled')
      options.onProgress?.(`probe ${i + 1} of ${this.prompts.length}`, progressFrom + (0.5 * i) / this.prompts.length)
      try {
        const r = await inference.probe({
          // The persona with the settings applied (its context size decides the context it is loaded with).
          persona: { ...persona, settings: { ...persona.settings, ...overrides } },
          history: [],
          prompt,
          // Each probe on a context of its own, dropped after it: the stored conversation is untouched.
          sessionKey: `sandbox:${persona.id}:${randomUUID()}`,
          keepCache: false,
          settings: { maxTokens: PROBE_MAX_TOKENS, seed: PROBE_SEED, ...overrides },
          priority: 'batch',
          signal: options.signal,
        })
        if (r.stats) stats = addTokenStats(stats, r.stats)
        texts.push(r.text)
        lines.push(`> ${prompt}\n${r.text.trim().slice(0, 400)}`)
      } catch (error) {
        if (options.signal?.aborted) throw error
        failures++
        lines.push(`> ${prompt}\n[failed: ${WardenError.from(error).message}]`)
      }
    }
    const phi = windowMetrics(stats).phi
    const drift = baseline && texts.some((t) => t.trim()) ? await this.driftOf(persona, texts, baseline, options.signal) : null
    const reading: SignalReading = { phi, drift, errorRate: failures / this.prompts.length, testsPassed: null, testsFailed: null }
    return { reading, transcript: lines.join('\n') }
  }

  private async driftOf(persona: Persona, texts: string[], baseline: number[], signal?: AbortSignal): Promise<number | null> {
    // As the monitor does for a persona's basin: the answers embedded together, projected.
    const { vectors } = await this.options.inference().embed(this.options.embeddingModel() || persona.model, [texts.join('\n\n')], { priority: 'batch', signal })
    const basin = basinCoords(vectors)
    return basin && basin.length === baseline.length ? fisherRao(basin, baseline) : null
  }

  private currentReading(source: string): SignalReading {
    const latest = this.options.sourceHealth(source)?.latest ?? null
    return { phi: latest?.phi ?? null, drift: latest?.drift ?? null, errorRate: latest?.errorRate ?? null, testsPassed: null, testsFailed: null }
  }
}

/** The settings each run uses: the patch's `from` values before (or the persona's own), its `to` values after. */
function overridesOf(change: Extract<PatchChange, { kind: 'settings' | 'persona' }>): { before: Overrides; after: Overrides; unprobed: string[] } {
  const entries = change.kind === 'settings' ? change.changes.map((c) => [c.key, c.from, c.to] as const) : Object.entries(change.settings ?? {}).map(([key, v]) => [key, v.from, v.to] as const)
  const before: Record<string, unknown> = {}
  const after: Record<string, unknown> = {}
  const unprobed: string[] = []
  for (const [key, from, to] of entries) {
    if (!GENERATION_KEYS.has(key) || UNPROBED_KEYS.has(key)) {
      unprobed.push(key)
      continue
    }
    const schema = GenerationSettings.shape[key as keyof GenerationSettings]
    const parsedTo = schema.safeParse(to)
    if (!parsedTo.success) throw new WardenError('INVALID_INPUT', `The patch sets ${key} to ${JSON.stringify(to)}, which is not a valid value`, { hint: parsedTo.error.issues[0]?.message })
    after[key] = parsedTo.data
    const parsedFrom = schema.safeParse(from)
    if (parsedFrom.success && from !== undefined) before[key] = parsedFrom.data
  }
  return { before: before as Overrides, after: after as Overrides, unprobed }
}

function describeReading(r: SignalReading): string {
  const f = (x: number | null, digits = 3) => (x === null ? 'unknown' : x.toFixed(digits))
  return `Φ ${f(r.phi)}, drift ${r.drift === null ? 'unknown' : `${r.drift.toFixed(3)} rad`}, error rate ${r.errorRate === null ? 'unknown' : `${Math.round(r.errorRate * 100)} %`}`
}

function emptyReading(): SignalReading {
  return { phi: null, drift: null, errorRate: null, testsPassed: null, testsFailed: null }
}
