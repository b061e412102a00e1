import { diffLines } from './healingView'

/** A unified diff, one line per row: additions green, removals red, hunk and file headers muted. */
export function DiffView({ diff }: { diff: string }) {
  if (!diff.trim()) return <p className="muted">No diff.</p>
  return (
    <pre className="diff-view mono" data-testid="patch-diff">
      {diffLines(diff).map((l, i) => (
        <div key={i} className={`diff-line diff-${l.kind}`} data-kind={l.kind}>
          {l.text || ' '}
        </div>
      ))}
    </pre>
  )
}
