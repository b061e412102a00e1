import type { SupervisorDecision } from '../../shared/contract/domains/healing'
import type { OperationOutput } from '../../shared/contract/operations'

type CheckResult = OperationOutput<'module.check'>['results'][number]

const headline: Record<SupervisorDecision['action'], (d: SupervisorDecision) => string> = {
  hibernated: (d) => `💤 Ares: hibernated ${d.module} (automatic decision)`,
  proposed: (d) => `📝 Ares: proposed ${d.patchId ? `${d.patchId} ` : ''}for ${d.module}, for a person to decide`,
  ignored: (d) => `⏭️  Ares: nothing done about ${d.module}`,
  reviewed: (d) => `🔍 Ares: reviewed ${d.module}, kept hibernated`,
}

/** A decision as the seed's Ares prints it: what it did, why, and what to do next. */
export function formatDecision(d: SupervisorDecision): string {
  const lines = [headline[d.action](d), ...d.reasons.map((r) => `   • ${r}`)]
  if (d.action === 'hibernated') lines.push(`   ♻️  Restorable with: warden module wake --name ${d.module}`)
  if (d.action === 'proposed' && d.patchId) lines.push(`   Review it: warden healing show ${d.patchId}`)
  if (d.assessment) lines.push(`   💬 ${d.assessment.replace(/\n/g, '\n      ')}`)
  return lines.join('\n')
}

const ran = { tests: 'tests pass', entry: 'entry point loaded', nothing: 'nothing to run' }

function formatCheck(r: CheckResult): string {
  const head = `${r.ok ? '✅' : '❌'} ${r.name}: ${r.ok ? ran[r.ran] : r.ran === 'tests' ? 'tests failed' : r.ran === 'entry' ? 'entry point failed to load' : 'could not run'} (${r.durationMs} ms)`
  const lastLines = r.ok ? [] : r.output.split('\n').filter((l) => l.trim()).slice(-5).map((l) => `   │ ${l}`)
  return [head, ...lastLines, ...(r.decision ? [formatDecision(r.decision).replace(/^/gm, '   ')] : [])].join('\n')
}

export const supervisorFormatters = {
  'module.reportError': (o: OperationOutput<'module.reportError'>) => formatDecision(o),
  'module.check': (o: OperationOutput<'module.check'>) => {
    const failing = o.results.filter((r) => !r.ok).length
    const lines = [...o.results.map(formatCheck), `${failing ? '❌' : '✅'} ${o.results.length - failing} of ${o.results.length} module(s) pass`]
    if (o.reviewed.length) lines.push('', `🔍 Hibernated modules reviewed (${o.reviewed.length}):`, ...o.reviewed.map(formatCheck))
    return lines.join('\n')
  },
}
