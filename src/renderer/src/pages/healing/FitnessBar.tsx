import type { Fitness } from '../../../../shared/contract/domains/healing'
import { fitnessSegments, recommendationLabel } from './healingView'

/**
 * Fitness as one bar of four stacked segments (0.4 Φ, 0.3 basin, 0.2 errors, 0.1 quality), each as
 * wide as what it adds to the score, with the apply threshold marked and the numbers beneath.
 */
export function FitnessBar({ fitness, threshold }: { fitness: Fitness | null; threshold: number | null }) {
  if (!fitness) return <p className="muted" data-testid="fitness-none">Not evaluated yet.</p>
  const segments = fitnessSegments(fitness)
  return (
    <div className="fitness" data-testid="fitness">
      <div className="fitness-head">
        <strong data-testid="fitness-score">{fitness.score.toFixed(2)}</strong>
        <span className={`badge recommendation rec-${fitness.recommendation}`} data-testid="fitness-recommendation">
          {recommendationLabel[fitness.recommendation]}
        </span>
        {threshold !== null && <span className="muted">apply at ≥ {threshold.toFixed(2)}</span>}
      </div>
      <div className="fitness-bar" role="img" aria-label={`Fitness ${fitness.score.toFixed(2)} of 1`}>
        {segments.map((s) => (
          <div key={s.key} className={`fitness-seg seg-${s.key}`} style={{ width: `${s.contribution * 100}%` }} title={`${s.label}: ${s.value.toFixed(2)} × ${s.weight}`} />
        ))}
        {threshold !== null && <div className="fitness-threshold" style={{ left: `${Math.min(1, threshold) * 100}%` }} title={`Apply threshold ${threshold}`} />}
      </div>
      <ul className="fitness-parts">
        {segments.map((s) => (
          <li key={s.key} data-testid={`fitness-${s.key}`}>
            <span className={`fitness-swatch seg-${s.key}`} />
            {s.weight} × {s.label} <span className="mono">{s.value.toFixed(2)}</span> <span className="muted">(+{s.contribution.toFixed(2)})</span>
          </li>
        ))}
      </ul>
    </div>
  )
}
