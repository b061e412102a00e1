/**
 * One or two sentences per figure, a click away on the Health page. They agree with
 * docs/health-metrics.md, which has the formulas. These are metrics with definitions: never more.
 */
export const definitions = {
  status: {
    term: 'Status',
    text: 'normal: every figure inside its threshold. warning or critical: a threshold crossed for several snapshots in a row (one outlier never alerts). unknown: no recent snapshot.',
  },
  phi: {
    term: 'Φ',
    text: 'A score in [0, 1] computed from the token probability distributions of the output. Low means uncertain output; above the upper threshold means degenerate, repetitive output.',
  },
  kappa: {
    term: 'κ_eff',
    text: 'Effective coupling: the effective number of tokens competing at each step. A healthy source stays near the target (64 by default).',
  },
  drift: {
    term: 'Basin drift',
    text: 'The Fisher–Rao distance arccos(b·b₀) between the 64-dimensional basin coordinates and the baseline’s, in radians (0 to π). It grows as the output moves away from the baseline.',
  },
  regime: {
    term: 'Regime',
    text: 'From Φ: uncertain below the lower threshold, stable between the thresholds, breakdown above the upper one.',
  },
  errorRate: { term: 'Error rate', text: 'Failed generations out of all generations in the snapshot’s interval.' },
  latency: { term: 'Latency', text: 'How long a generation took, on average over the snapshot’s interval.' },
  age: { term: 'Last snapshot', text: 'How long ago the source’s latest snapshot was taken.' },
} as const

export type DefinitionKey = keyof typeof definitions
