import * as os from 'node:os'
import type { SourceHealth } from '../../../../shared/contract/domains/health'
import type { WorkerInfo } from '../../../../shared/contract/inference'
import type { PatchDraft, StrategyContext, StrategyFn } from '../types'
import { findPersona, issueOf, modelOf, ms, n2, notPending, overWindow, pct, perHour, personaOf, trendOf, when, workerOf } from './signals'

/** Tokens/s falling by this share of its latest value per hour is a regression. */
export const TPS_FALL_PER_HOUR = 0.2
/** Queue wait at least this share of the latency: requests wait for a free sequence (or a load). */
const WAIT_SHARE = 0.5
/** A persona context above this is halved when it is slow (its KV cache and prompt evaluation shrink). */
const LARGE_CONTEXT = 4096

interface Slow {
  source: SourceHealth
  why: string
  modelId: string | null
  worker: WorkerInfo | null
}

/**
 * Performance regression (seed 003, strategy 3): latency over `healthLatencyMaxMs`, or tokens/s
 * falling. Proposes what the signals point at: threads back to automatic when the workers ask for
 * more threads than the machine has cores; GPU layers to auto when a fixed part of the model is
 * offloaded; a persona's large context halved; one more generation per model when requests mostly
 * wait in the queue of a model loaded all along (not for its load); pinning a model whose worker was loaded again while it was slow (paged out and
 * in) or is not loaded now.
 */
export const performance: StrategyFn = async (ctx) => {
  const slow = ctx.summary.sources.map((s) => slowness(ctx, s)).filter((s): s is Slow => s !== null)
  if (!slow.length) return []
  const drafts: PatchDraft[] = []
  const first = slow[0]

  const { threadsPerWorker, gpuLayers, parallelRequestsPerModel } = ctx.settings
  const live = ctx.workers.filter((w) => w.state === 'ready' || w.state === 'busy')
  const cores = os.availableParallelism()
  const threadsAsked = live.reduce((n, w) => n + w.threads, 0)
  if (threadsPerWorker > 0 && threadsAsked > cores) {
    drafts.push({
      source: first.source.source,
      strategy: 'performance',
      title: `Threads per worker ${threadsPerWorker} → automatic`,
      rationale: `${first.why} ${live.length} worker(s) run with ${threadsPerWorker} threads each (${threadsAsked} in all) on ${cores} cores: oversubscribed threads make llama.cpp far slower. Automatic threads divide the cores among the running workers.`,
      change: { kind: 'settings', changes: [{ key: 'threadsPerWorker', from: threadsPerWorker, to: 0 }] },
    })
  }
  if (typeof gpuLayers === 'number' && gpuLayers > 0) {
    drafts.push({
      source: first.source.source,
      strategy: 'performance',
      title: `GPU layers ${gpuLayers} → auto`,
      rationale: `${first.why} Only ${gpuLayers} layers are offloaded to the GPU; the rest run on the CPU. Auto offloads as many layers as the GPU's free memory holds.`,
      change: { kind: 'settings', changes: [{ key: 'gpuLayers', from: gpuLayers, to: 'auto' }] },
    })
  }
  const waiting = slow.find((s) => {
    const l = s.source.latest
    return l?.queueWaitMs != null && l.latencyMs != null && l.latencyMs > 0 && l.queueWaitMs >= WAIT_SHARE * l.latencyMs && loadedThroughout(s)
  })
  if (waiting && parallelRequestsPerModel < 16) {
    const l = waiting.source.latest!
    drafts.push({
      source: waiting.source.source,
      strategy: 'performance',
      title: `Generations per model ${parallelRequestsPerModel} → ${parallelRequestsPerModel + 1}`,
      rationale: `${waiting.why} Of its ${ms(l.latencyMs!)} latency, ${ms(l.queueWaitMs!)} (${pct(l.queueWaitMs! / l.latencyMs!)}) is waiting in the queue: requests wait for one of ${parallelRequestsPerModel} sequences. One more sequence lets one more run at once (more memory for its context).`,
      change: { kind: 'settings', changes: [{ key: 'parallelRequestsPerModel', from: parallelRequestsPerModel, to: parallelRequestsPerModel + 1 }] },
    })
  }

  for (const s of slow) {
    const name = personaOf(s.source.source)
    const persona = name ? findPersona(ctx, name) : null
    if (persona && persona.settings.contextSize > LARGE_CONTEXT) {
      const to = Math.max(LARGE_CONTEXT, Math.floor(persona.settings.contextSize / 2))
      drafts.push({
        source: s.source.source,
        strategy: 'performance',
        title: `Halve ${persona.name}’s context (${persona.settings.contextSize} → ${to} tokens)`,
        rationale: `${s.why} Its context of ${persona.settings.contextSize} tokens means a large KV cache and long prompts to evaluate; ${to} tokens keeps the recent conversation (older messages are left out first).`,
        change: { kind: 'persona', persona: persona.name, settings: { contextSize: { from: persona.settings.contextSize, to } } },
      })
    }
    const pin = pinReason(s)
    if (pin && s.modelId) {
      drafts.push({
        source: s.source.source,
        strategy: 'performance',
        title: `Pin model ${s.modelId} (keep it loaded)`,
        rationale: `${s.why} ${pin} A pinned model is never paged out, so its requests do not wait for it to load.`,
        change: { kind: 'worker-action', model: s.modelId, action: 'pin' },
      })
    }
  }
  return notPending(ctx, drafts)
}

/** A slow source, with its model and worker; null when it is not slow. */
function slowness(ctx: StrategyContext, source: SourceHealth): Slow | null {
  let why: string | null = null
  const latency = issueOf(source, 'latency')
  if (latency) why = `${source.source}: latency ${ms(latency.value)} is above ${ms(latency.threshold)} since ${when(latency.since)} (${latency.severity}).`
  else why = tokensFalling(source)
  if (!why) return null
  const persona = personaOf(source.source)
  const modelId = modelOf(source.source) ?? (persona ? findPersona(ctx, persona)?.model ?? null : null)
  return { source, why, modelId, worker: modelId ? workerOf(ctx.workers, modelId) : null }
}

/** Tokens/s falling by TPS_FALL_PER_HOUR of its value per hour, over a long enough window (trendOf); in words. */
export function tokensFalling(source: SourceHealth): string | null {
  const tps = source.latest?.tokensPerSecond
  const slope = trendOf(source, 'tokensPerSecond')
  if (tps == null || tps <= 0 || slope === null || slope >= 0) return null
  const share = -slope / tps
  if (share < TPS_FALL_PER_HOUR) return null
  return `${source.source}: tokens/s ${n2(tps)} is falling ${perHour(slope, n2)} (${pct(share)} of it per hour) over ${overWindow(source)}.`
}

/**
 * Whether the slow model's worker was loaded before the latency issue began: only then is its queue
 * wait a wait for a free sequence. A request that loads its model counts the load as queue wait.
 */
function loadedThroughout(s: Slow): boolean {
  const since = issueOf(s.source, 'latency')?.since ?? null
  return since !== null && s.worker !== null && s.worker.startedAt !== null && s.worker.startedAt <= since
}

/** Why pinning helps this slow model, or null (pinned already, or loaded and not reloaded lately). */
function pinReason(s: Slow): string | null {
  if (!s.modelId || !modelOf(s.source.source)) return null
  if (s.worker?.pinned) return null
  if (!s.worker) return `Its model is not loaded now: it was paged out, and its next request waits for it to load.`
  const since = issueOf(s.source, 'latency')?.since ?? null
  if (since !== null && s.worker.startedAt !== null && s.worker.startedAt > since) {
    return `Its worker was loaded again at ${when(s.worker.startedAt)}, after the slow answers began (${when(since)}): it was paged out and in.`
  }
  return null
}
