import type { Fitness, HealingStatus, Patch, PatchStatus } from '../../shared/contract/domains/healing'
import type { OperationOutput } from '../../shared/contract/operations'
import { formatAge } from '../../shared/format'
import { formatDecision } from './supervisorFormat'

const statusIcon: Record<PatchStatus, string> = {
  evaluating: '⏳',
  proposed: '📝',
  applying: '⏳',
  applied: '✅',
  rejected: '🚫',
  'rolled-back': '↩️ ',
  failed: '❌',
}

const recommendation: Record<Fitness['recommendation'], string> = { apply: 'apply', test_more: 'test more', reject: 'reject' }

/** The four parts with their weights, as the fitness formula reads (docs/health-metrics.md). */
const parts = [
  ['phi', 0.4, 'Φ improvement'],
  ['basin', 0.3, 'basin correction'],
  ['errors', 0.2, 'error reduction'],
  ['quality', 0.1, 'code quality'],
] as const

/** "in 4 minutes" for a time ahead (formatAge speaks of the past). */
const fromNow = (ms: number) => (ms < 60_000 ? 'within a minute' : `in ${formatAge(ms).replace(/ ago$/, '')}`)

const score = (f: Fitness | null) => (f ? f.score.toFixed(2) : '—')

/** One line per patch: id, status, strategy, source, fitness and title. */
export function formatPatchLine(p: Patch): string {
  return `${statusIcon[p.status]} ${p.id.padEnd(14)} ${p.status.padEnd(11)} ${p.strategy.padEnd(12)} ${p.source.slice(0, 24).padEnd(24)} ${score(p.fitness).padStart(4)}  ${p.title}`
}

function patchList(patches: Patch[], empty: string): string {
  if (patches.length === 0) return empty
  return [`   ${'ID'.padEnd(14)} ${'STATUS'.padEnd(11)} ${'STRATEGY'.padEnd(12)} ${'SOURCE'.padEnd(24)} ${'FIT'.padStart(4)}  TITLE`, ...patches.map(formatPatchLine)].join('\n')
}

/** The fitness score, its recommendation, and each part weighted: what a person checks before approving. */
export function formatFitness(f: Fitness | null): string[] {
  if (!f) return ['Fitness: not evaluated yet']
  return [
    `Fitness: ${f.score.toFixed(2)} → ${recommendation[f.recommendation]}`,
    ...parts.map(([key, weight, label]) => `   ${weight} × ${label.padEnd(16)} ${f.parts[key].toFixed(2)}  (${(weight * f.parts[key]).toFixed(2)})`),
  ]
}

/** `warden healing show`: the patch, why, its fitness parts, its diff, and the sandbox's log. */
export function formatPatch(p: Patch, now = Date.now()): string {
  const lines = [`${statusIcon[p.status]} ${p.id} — ${p.title}`, `   ${p.status} · ${p.strategy} · ${p.source} · created ${formatAge(now - p.createdAt)}`]
  if (p.decidedBy) lines.push(`   Decided by: ${p.decidedBy}${p.decidedAt ? ` (${formatAge(now - p.decidedAt)})` : ''}`)
  if (p.outcome) lines.push(`   Outcome: ${p.outcome}`)
  if (p.error) lines.push(`   ❌ ${p.error}`)
  lines.push('', 'Why:', ...p.rationale.split('\n').map((l) => `   ${l}`))
  lines.push('', ...formatFitness(p.fitness))
  lines.push('', 'Diff:', p.diff.trimEnd() || '   (empty)')
  lines.push('', 'Sandbox log:', p.sandboxLog.trimEnd() ? p.sandboxLog.trimEnd().split('\n').map((l) => `   │ ${l}`).join('\n') : '   (none)')
  if (p.status === 'proposed') lines.push('', `Approve: warden healing approve ${p.id}   Reject: warden healing reject ${p.id}`)
  if (p.status === 'applied') lines.push('', `Undo: warden healing rollback ${p.id}`)
  return lines.join('\n')
}

/** `warden healing status`: the loop, auto-apply, counts, and the phase gates as a checklist. */
export function formatHealingStatus(s: HealingStatus, now = Date.now()): string {
  const lines = [
    `${s.running ? '▶️  Healing loop running' : '⏸️  Healing loop stopped'} · every ${s.intervalMinutes} min`,
    `   Last run: ${s.lastRunAt ? formatAge(now - s.lastRunAt) : 'never'}${s.running && s.nextRunAt ? ` · next ${fromNow(s.nextRunAt - now)}` : ''}`,
    `   Auto-apply: ${s.autoApply.enabled ? `on for ${s.autoApply.kinds.join(', ') || 'no kinds'}` : 'off'}${s.autoApply.allowed ? '' : ` · ${s.autoApply.why}`}`,
    `   Patches: ${s.counts.proposed} pending, ${s.counts.applied} applied, ${s.counts.rolledBack} rolled back, ${s.counts.rejected} rejected · success ${s.counts.successRate === null ? '—' : `${Math.round(s.counts.successRate * 100)}%`}`,
    '',
    'Phase gates:',
  ]
  for (const g of s.gates) {
    lines.push(`${g.met ? '✅' : '⬜'} ${g.phase} — ${g.title}`)
    for (const c of g.conditions) lines.push(`   ${c.met ? '☑' : '☐'} ${c.text} (${c.progress})`)
  }
  return lines.join('\n')
}

export const healingFormatters = {
  'healing.status': (o: OperationOutput<'healing.status'>) => formatHealingStatus(o),
  'healing.start': (o: OperationOutput<'healing.start'>) => `▶️  Healing loop started: every ${o.intervalMinutes} min (stop with: warden healing stop)`,
  'healing.stop': () => '⏸️  Healing loop stopped: proposals stay (start again with: warden healing start)',
  'healing.runOnce': (o: OperationOutput<'healing.runOnce'>) =>
    [
      `🔁 Healing ran once: ${o.proposed.length} proposed${o.proposed.length ? ` (${o.proposed.join(', ')})` : ''}, ${o.autoApplied.length} auto-applied${o.autoApplied.length ? ` (${o.autoApplied.join(', ')})` : ''}`,
      ...o.notes.map((n) => `   • ${n}`),
    ].join('\n'),
  'healing.proposals': (o: OperationOutput<'healing.proposals'>) => patchList(o.patches, 'No patches here. Pending proposals appear when the healing loop finds something to fix (warden healing run).'),
  'healing.history': (o: OperationOutput<'healing.history'>) => {
    const lines = [patchList(o.patches, 'No healing attempts yet.')]
    if (o.decisions.length) lines.push('', `Supervisor decisions (${o.decisions.length}):`, ...o.decisions.map((d) => `${formatAge(Date.now() - d.at)}: ${formatDecision(d)}`))
    return lines.join('\n')
  },
  'healing.show': (o: OperationOutput<'healing.show'>) => formatPatch(o),
  'healing.approve': (o: OperationOutput<'healing.approve'>) =>
    o.status === 'applied' ? `✅ Applied ${o.id}: ${o.title} (undo: warden healing rollback ${o.id})` : `${statusIcon[o.status]} ${o.id} is ${o.status}${o.error ? `: ${o.error}` : ''}`,
  'healing.reject': (o: OperationOutput<'healing.reject'>) => `🚫 Rejected ${o.id}: ${o.title}`,
  'healing.rollback': (o: OperationOutput<'healing.rollback'>) => `↩️  Rolled back ${o.id}: ${o.title}`,
  'healing.evaluate': (o: OperationOutput<'healing.evaluate'>) =>
    `📝 ${o.id} proposed for ${o.source}: fitness ${score(o.fitness)}${o.fitness ? ` → ${recommendation[o.fitness.recommendation]}` : ''} (see: warden healing show ${o.id})`,
  'healing.draftFix': (o: OperationOutput<'healing.draftFix'>) =>
    `📝 Drafted fix ${o.id} for ${o.source}: fitness ${score(o.fitness)}${o.fitness ? ` → ${recommendation[o.fitness.recommendation]}` : ''} (see: warden healing show ${o.id})`,
  'healing.autoApply': (o: OperationOutput<'healing.autoApply'>) =>
    o.autoApply.enabled ? `🤖 Auto-apply on for ${o.autoApply.kinds.join(', ')}` : `✋ Auto-apply off${o.autoApply.allowed ? '' : `. ${o.autoApply.why}`}`,
}
