import type { OperationOutput } from '../../shared/contract/operations'
import { formatAge, formatBytes } from '../../shared/format'

const icon: Record<string, string> = { normal: '🟢', warning: '🟡', critical: '🔴', unknown: '⚪' }
const num = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? '—' : v.toFixed(digits))
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`)
const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v)} ms`)

/** `warden health`: one line per source, then what is degraded and what to look at. */
export function formatHealthSummary(o: OperationOutput<'health.summary'>, now = Date.now()): string {
  if (o.sources.length === 0) {
    return 'No health sources yet. Personas and models appear after they generate; external systems POST /api/self-healing/snapshot (see docs/health-metrics.md).'
  }
  const lines = [`${icon[o.status]} Overall: ${o.status}`, '', `   ${'SOURCE'.padEnd(28)} ${'STATUS'.padEnd(9)} ${'Φ'.padStart(5)} ${'κ'.padStart(7)} ${'DRIFT'.padStart(6)} ${'ERRORS'.padStart(7)} ${'LATENCY'.padStart(9)}  LAST`]
  for (const s of o.sources) {
    const l = s.latest
    lines.push(
      `${icon[s.status]} ${s.source.slice(0, 28).padEnd(28)} ${s.status.padEnd(9)} ${num(l?.phi).padStart(5)} ${num(l?.kappa, 1).padStart(7)} ${num(l?.drift).padStart(6)} ${pct(l?.errorRate).padStart(7)} ${ms(l?.latencyMs).padStart(9)}  ${l ? formatAge(now - l.at) : '—'}${l?.memoryBytes ? ` · ${formatBytes(l.memoryBytes)}` : ''}`,
    )
  }
  const issues = o.sources.flatMap((s) => s.issues.map((i) => `${i.severity === 'critical' ? '🔴' : '🟡'} ${s.source}: ${i.message}`))
  if (issues.length) lines.push('', ...issues)
  return lines.join('\n')
}

export const healthFormatters = {
  'health.summary': (o: OperationOutput<'health.summary'>) => formatHealthSummary(o),
  'health.history': (o: OperationOutput<'health.history'>) =>
    [
      `${o.source}: ${o.points.length} points from ${new Date(o.since).toISOString()} to ${new Date(o.until).toISOString()} (${o.resolution})`,
      `  ${'TIME'.padEnd(24)} ${'N'.padStart(5)} ${'Φ'.padStart(5)} ${'κ'.padStart(7)} ${'DRIFT'.padStart(6)} ${'ERRORS'.padStart(7)} ${'LATENCY'.padStart(9)}`,
      ...o.points.map(
        (p) =>
          `  ${new Date(p.at).toISOString().padEnd(24)} ${String(p.count).padStart(5)} ${num(p.values.phi).padStart(5)} ${num(p.values.kappa, 1).padStart(7)} ${num(p.values.drift).padStart(6)} ${pct(p.values.errorRate).padStart(7)} ${ms(p.values.latencyMs).padStart(9)}`,
      ),
    ].join('\n'),
  'health.baseline': (o: OperationOutput<'health.baseline'>) =>
    `📍 Baseline of ${o.source} set${o.snapshots ? ` from its last ${o.snapshots} snapshot${o.snapshots === 1 ? '' : 's'}` : ' from the coordinates given'}: drift is measured from it now.`,
  'health.degradation': (o: OperationOutput<'health.degradation'>) =>
    o.degraded ? o.issues.map((i) => `${i.severity === 'critical' ? '🔴' : '🟡'} ${i.source}: ${i.message}`).join('\n') : '🟢 Nothing is degraded.',
}
