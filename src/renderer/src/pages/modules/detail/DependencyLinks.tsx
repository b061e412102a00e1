import { useDetailStore } from '../../../stores/detailStore'

/** Module names that open their own details when clicked. */
export function DependencyLinks({ title, names, testId }: { title: string; names: string[]; testId: string }) {
  const select = useDetailStore((s) => s.select)
  return (
    <div className="dep-block" data-testid={testId}>
      <h4>
        {title} <span className="count subtle">{names.length}</span>
      </h4>
      {names.length === 0 ? (
        <p className="empty-line">None</p>
      ) : (
        <ul className="chip-list">
          {names.map((n) => (
            <li key={n}>
              <button type="button" className="chip link" onClick={() => select(n)}>
                {n}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
