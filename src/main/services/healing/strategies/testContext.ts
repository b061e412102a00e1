// Hand-built strategy contexts for the strategies' tests: real HealthSummary shapes, with the
// trends the health monitor computes from the snapshots given.
import type { CheckpointInfo } from '../../../../shared/contract/domains/checkpoints'
import type { HealthIssue, HealthSnapshot, SourceHealth } from '../../../../shared/contract/domains/health'
import type { Patch, PatchChange } from '../../../../shared/contract/domains/healing'
import { settingDefs, settingKeys, type Persona, type Settings, type WorkerInfo } from '../../../../shared/contract/inference'
import { trends } from '../../health/detection'
import type { StrategyContext } from '../types'

export const NOW = Date.UTC(2026, 11, 2, 12, 0, 0)
export const MIN = 60_000

export function defaultSettings(over: Partial<Settings> = {}): Settings {
  return { ...(Object.fromEntries(settingKeys.map((k) => [k, settingDefs[k].default])) as Settings), ...over }
}

export function snapshot(source: string, at: number, fields: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    source,
    kind: source.startsWith('persona:') ? 'persona' : source.startsWith('model:') ? 'model' : 'external',
    at,
    phi: null, kappa: null, drift: null, confidence: null, surprise: null, agency: null,
    latencyMs: null, ttftMs: null, tokensPerSecond: null, errorRate: null, queueWaitMs: null, memoryBytes: null, restarts: null,
    status: 'normal',
    ...fields,
  }
}

/** A source as the monitor summarises it: its window (oldest first), the latest, its trends and issues. */
export function sourceHealth(window: HealthSnapshot[], options: { issues?: HealthIssue[]; baselineAt?: number } = {}): SourceHealth {
  const latest = window[window.length - 1] ?? null
  const issues = options.issues ?? []
  return {
    source: latest!.source,
    kind: latest!.kind,
    status: issues.length ? 'warning' : 'normal',
    regime: 'stable',
    latest,
    windowSize: window.length,
    windowFrom: window.length ? Math.min(...window.map((s) => s.at)) : null,
    baseline: options.baselineAt !== undefined ? { setAt: options.baselineAt, from: 'first 20 snapshots' } : null,
    issues,
    trends: trends(window),
  }
}

/** `n` snapshots a minute apart ending at NOW, each with the fields `at(i)` gives. */
export function series(source: string, n: number, at: (i: number) => Partial<HealthSnapshot>): HealthSnapshot[] {
  return Array.from({ length: n }, (_, i) => snapshot(source, NOW - (n - 1 - i) * MIN, at(i)))
}

export function issue(metric: HealthIssue['metric'], value: number, threshold: number, since: number): HealthIssue {
  return { metric, severity: 'warning', value, threshold, since, message: `${metric} ${value}` }
}

export function persona(name: string, settings: Partial<Persona['settings']> = {}, model = 'tiny'): Persona {
  return {
    id: `id-${name}`,
    name,
    model,
    systemPrompt: '',
    settings: { temperature: 0.7, topP: 0.95, maxTokens: 256, contextSize: 1024, seed: null, genome: { mode: 'none', adapters: [] }, ...settings },
    createdAt: NOW - 86_400_000,
    updatedAt: NOW - 86_400_000,
    messages: 10,
  }
}

export function worker(modelId: string, over: Partial<WorkerInfo> = {}): WorkerInfo {
  return {
    modelId, modelName: modelId, pid: 4242, state: 'ready', memoryBytes: 2 ** 30, estimateBytes: 2 ** 30, measuredBytes: 2 ** 30, rssBytes: 2 ** 30,
    device: 'cpu', threads: 1, tokensPerSecond: 100, tokensGenerated: 1000, inFlight: 0, queued: 0, restarts: 0, crashes: 0, pinned: false,
    startedAt: NOW - 3 * 3_600_000, lastUsedAt: NOW, lastError: null, restartAt: null,
    ...over,
  }
}

export function checkpoint(id: string, createdAt: number): CheckpointInfo {
  return { id, label: null, createdAt, bytes: 1000, tokens: 100, messages: 4, modelId: 'tiny', stateSaved: true }
}

export function pendingPatch(change: PatchChange, source = 'x', status: Patch['status'] = 'proposed'): Patch {
  return {
    id: 'p-pending1', createdAt: NOW - MIN, source, strategy: 'manual', title: 'pending', rationale: '', change, diff: '', status,
    fitness: null, sandboxLog: '', evaluatedAt: null, decidedAt: null, decidedBy: null, appliedAt: null, rolledBackAt: null, outcome: null, error: null,
  }
}

export function context(over: Partial<Omit<StrategyContext, 'checkpoints'>> & { checkpoints?: Record<string, CheckpointInfo[]> } = {}): StrategyContext {
  const { checkpoints = {}, ...rest } = over
  return {
    now: NOW,
    settings: defaultSettings(),
    summary: { status: 'normal', sources: [], at: NOW },
    workers: [],
    pending: [],
    personas: [],
    checkpoints: async (name) => [...(checkpoints[name] ?? [])].sort((a, b) => b.createdAt - a.createdAt),
    ...rest,
  }
}
