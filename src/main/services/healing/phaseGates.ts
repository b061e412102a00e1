import type { PhaseGate } from '../../../shared/contract/domains/healing'

/** What the phase gates are measured on. */
export interface GateFacts {
  /** Health snapshots stored (every source, within the retention). */
  snapshots: number
  /** Distinct hours in which snapshots arrived: a burst (an API flood in a second) is one hour, not a monitored history. */
  hours: number
  /** The monitor is stable now (receiving snapshots, nothing critical), and why it is or is not. */
  monitorStable: boolean
  monitorNote: string
  /** Patches with a fitness that a person approved or rejected. */
  reviewedByPerson: number
  /** Patches ever applied, outcomes measured and successful, and rollbacks done. */
  applied: number
  measured: number
  succeeded: number
  rolledBack: number
}

const pct = (x: number) => `${Math.round(x * 100)} %`

/**
 * Seed 003's four phase gates, measured, never dated: 1 — 1,000+ snapshots arriving over 24+
 * distinct hours (a monitor that watched, not a burst) and a stable monitor;
 * 2 — 10+ patches with fitness reviewed by a person; 3 — 5+ applied, over 70 % successful, a
 * rollback done; 4 — over 80 % successful. A gate is met when its conditions and every earlier
 * gate are: trust is earned in order.
 */
export function phaseGates(f: GateFacts): PhaseGate[] {
  const rate = f.measured ? f.succeeded / f.measured : null
  const rateText = rate === null ? 'no outcome measured yet' : `${pct(rate)} of ${f.measured} measured`
  const conditions: PhaseGate['conditions'][] = [
    [
      { text: '1,000+ health snapshots', met: f.snapshots >= 1000, progress: `${f.snapshots.toLocaleString('en-US')} / 1,000 snapshots` },
      { text: 'snapshots over 24+ hours', met: f.hours >= 24, progress: `snapshots in ${f.hours} / 24 distinct hours` },
      { text: 'a stable monitor', met: f.monitorStable, progress: f.monitorNote },
    ],
    [{ text: '10+ patches with fitness reviewed by a person', met: f.reviewedByPerson >= 10, progress: `${f.reviewedByPerson} / 10 reviewed` }],
    [
      { text: '5+ patches applied', met: f.applied >= 5, progress: `${f.applied} / 5 applied` },
      { text: 'over 70 % of applied patches successful', met: rate !== null && rate > 0.7, progress: rateText },
      { text: 'a rollback done', met: f.rolledBack >= 1, progress: `${f.rolledBack} rolled back` },
    ],
    [{ text: 'over 80 % of applied patches successful', met: rate !== null && rate > 0.8, progress: rateText }],
  ]
  const titles = ['Monitoring only', 'Fitness evaluation', 'Autonomous healing (reviewed)', 'Production']
  let earlier = true
  return conditions.map((c, i) => {
    const met = earlier && c.every((x) => x.met)
    earlier = met
    return { phase: i + 1, title: titles[i], met, conditions: c }
  })
}
