import type { PhaseGate } from '../../../../shared/contract/domains/healing'
import { Icon } from '../../components/Icon'

/** The phase gates (seed 003), measured: each gate and each of its conditions, with its progress. */
export function GatesChecklist({ gates }: { gates: PhaseGate[] }) {
  return (
    <section className="panel healing-gates" aria-labelledby="healing-gates-title" data-testid="healing-gates">
      <h2 id="healing-gates-title">Phase gates</h2>
      <ol className="gate-list">
        {gates.map((g) => (
          <li key={g.phase} className={`gate ${g.met ? 'met' : 'unmet'}`} data-testid={`gate-${g.phase}`} data-met={g.met}>
            <strong>
              {g.met ? <Icon name="check" size={14} /> : <span className="gate-box" aria-hidden="true" />} {g.phase} — {g.title}
            </strong>
            <ul>
              {g.conditions.map((c) => (
                <li key={c.text} className={c.met ? 'met' : 'unmet'} data-met={c.met}>
                  <span aria-label={c.met ? 'met' : 'not met'}>{c.met ? '☑' : '☐'}</span> {c.text} <span className="muted gate-progress">({c.progress})</span>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  )
}
