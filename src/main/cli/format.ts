import type { OperationName, OperationOutput } from '../../shared/contract/operations'
import type { HibernatedVersion } from '../../shared/contract/schemas'
import { formatAge, formatBytes } from '../../shared/format'

type Formatter<K extends OperationName> = (out: OperationOutput<K>) => string
type Formatters = { [K in OperationName]?: Formatter<K> }

const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ')

function describeHibernated(m: HibernatedVersion, i: number, now: number): string {
  const lines = [`${i + 1}. ${m.name} (${m.type})${m.version ? ` v${m.version}` : ''}`]
  lines.push(`   Hibernated: ${formatAge(now - m.hibernatedAt)}  [--at ${m.hibernatedAt}]`)
  lines.push(`   Reason: ${m.reason}${m.error ? ` (${m.error.type})` : ''}`)
  lines.push(`   Size: ${formatBytes(m.size)} (${m.fileCount} files)`)
  lines.push(`   Usage: ${m.usage.totalCalls ? `${m.usage.avgCallsPerDay} calls/day, ${m.usage.totalCalls} total` : 'no calls recorded'}`)
  lines.push(`   Hibernated by: ${m.hibernatedBy}${m.hibernatedBy !== 'user' ? ' (automatic)' : ''}`)
  if (m.group) lines.push(`   Group: ${m.group.members.join(', ')} (wake together)`)
  if (m.archivesInDays !== null) lines.push(m.archivesInDays <= 30 ? `   ⚠️  Will be archived in ${m.archivesInDays} days` : '')
  lines.push(`   Restorable: ${m.restorable ? '✅' : `❌ ${m.problem}`}`)
  return lines.filter(Boolean).join('\n')
}

/** Human output per operation (the seed's reports); operations without one print JSON. */
export const formatters: Formatters = {
  'app.info': (o) => Object.entries(o.versions).map(([k, v]) => `${k} ${v}`).concat(`home ${o.home}`).join('\n'),
  'workspace.get': (o) => (o ? `${o.path}\nkinds: ${o.kinds.join(', ')}` : 'No workspace open'),
  'workspace.createDemo': (o) => `✅ Demo workspace with ${o.modules} modules created at ${o.path}\n   Try: warden --workspace ${JSON.stringify(o.path)} module list`,
  'module.list': (o) =>
    o.kinds
      .map((k) => {
        const rows = k.modules.map((m) => {
          const deps = m.dependencies.length ? ` → ${m.dependencies.join(', ')}` : ''
          const dependents = m.dependents.length ? `  (used by ${m.dependents.join(', ')})` : ''
          return `  ${m.name}${m.version ? `@${m.version}` : ''}  ${formatBytes(m.size)}${deps}${dependents}`
        })
        return [`${k.kind} (${k.modules.length})`, ...rows].join('\n')
      })
      .join('\n\n'),
  'module.hibernate': (o) =>
    [
      ...o.hibernated.map((h) => `💤 Hibernated to: ${h.archivePath} (${formatBytes(h.size)}, ${h.fileCount} files)`),
      '📝 Metadata saved',
      `✅ ${o.hibernated.length === 1 ? 'Module' : `${o.hibernated.length} modules`} removed from active system`,
      `🔄 Structure files regenerated (${counts(o.activeCounts)} active)`,
      `♻️  Restorable with: ${o.restoreCommand}`,
      ...o.notes.map((n) => `⚠️  ${n}`),
    ].join('\n'),
  'module.listHibernated': (o) => {
    const now = Date.now()
    if (!o.modules.length) return '💤 No hibernated modules'
    return [`💤 Hibernated Modules (${o.modules.length}):`, '', o.modules.map((m, i) => describeHibernated(m, i, now)).join('\n\n')].join('\n')
  },
  'module.listArchived': (o) => {
    const now = Date.now()
    if (!o.modules.length) return '📦 The archive is empty'
    return [`📦 Archived Modules (${o.modules.length}, ${formatBytes(o.totalSize)}):`, '', o.modules.map((m, i) => describeHibernated(m, i, now)).join('\n\n')].join('\n')
  },
  'module.versions': (o) =>
    [
      `${o.name}: ${o.active ? `active at ${o.active.path}` : 'not active'}`,
      ...o.versions.map((v) => `  ${v.hibernatedAt}  ${new Date(v.hibernatedAt).toISOString()}  ${v.location}${v.wokenAt ? ' (woken)' : ''}  ${formatBytes(v.size)}  ${v.reason}  ${v.restorable ? '✅' : `❌ ${v.problem}`}`),
    ].join('\n'),
  'module.wake': (o) =>
    [
      ...o.woken.map((w) => `📦 Extracting: ${w.source}\n✅ Restored to: ${w.path} (${w.fileCount} files)`),
      `🔄 Structure files regenerated (${counts(o.activeCounts)} active)`,
      '🚀 Module ready to use!',
    ].join('\n'),
  'module.archive': (o) =>
    o.archived.length
      ? [
          `Moving to ${o.archiveDir}:`,
          ...o.archived.map((a) => `  - ${a.name} (${formatBytes(a.size)})`),
          '',
          `✅ Archived ${o.archived.length} module${o.archived.length === 1 ? '' : 's'}`,
          `💾 Total archive size: ${formatBytes(o.totalArchiveSize)}`,
          `♻️  Still restorable with: warden module wake --from-archive --name ${JSON.stringify(o.archived[0].name)}`,
        ].join('\n')
      : `Nothing to archive. 💾 Total archive size: ${formatBytes(o.totalArchiveSize)}`,
  'module.diff': (o) =>
    [
      `--- ${o.from}`,
      `+++ ${o.to}`,
      `${o.changes.filter((c) => c.status === 'added').length} added, ${o.changes.filter((c) => c.status === 'removed').length} removed, ${o.changes.filter((c) => c.status === 'changed').length} changed, ${o.unchanged} unchanged`,
      ...o.changes.map((c) => `\n${c.status.toUpperCase()} ${c.path}${c.binary ? ' (binary)' : ''}${c.patch ? `\n${c.patch}` : ''}`),
    ].join('\n'),
  'module.verify': (o) =>
    [
      ...o.repaired.map((r) => `🔧 ${r}`),
      ...o.problems.map((p) => `${p.severity === 'error' ? '❌' : '⚠️ '} ${p.subject}: ${p.message}`),
      `${o.ok ? '✅' : '❌'} Checked ${o.checked.archives} archives and ${o.checked.activeModules} active modules: ${o.problems.filter((p) => p.severity === 'error').length} error(s), ${o.problems.filter((p) => p.severity === 'warning').length} warning(s)`,
    ].join('\n'),
  'module.pack': (o) => [`📦 ${o.path}`, `   ${formatBytes(o.size)}, ${o.files.length} files, sha256 ${o.sha256}`, ...o.files.map((f) => `   ${f}`)].join('\n'),
  'module.recordUsage': (o) => `${o.name}: ${o.totalCalls} calls, ${o.avgCallsPerDay}/day`,
  'doctor.run': (o) =>
    [`🩺 Indexed ${o.indexed} archives; removed ${o.removedStale} stale index rows`, ...o.problems.map((p) => `${p.severity === 'error' ? '❌' : '⚠️ '} ${p.subject}: ${p.message}`)].join('\n'),
}

/** Operations whose result can say "not OK" (exit code 1) without an error. */
export function exitCodeOf(name: OperationName, out: unknown): number {
  if (name === 'module.verify' && !(out as OperationOutput<'module.verify'>).ok) return 1
  return 0
}
