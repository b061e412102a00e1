import { formatAge } from '../../../../shared/format'
import { Icon } from '../../components/Icon'
import { useNow } from '../../hooks/useNow'
import type { ApiKeyInfo } from '../../lib/types'

/** The keys by name and first characters, with when each was made and last used. */
export function KeyList({ keys, onRevoke }: { keys: ApiKeyInfo[]; onRevoke(key: ApiKeyInfo): void }) {
  const now = useNow(30_000)
  return (
    <section aria-labelledby="api-keys-title" data-testid="api-keys">
      <h2 className="section-title" id="api-keys-title">
        Keys <span className="count subtle">{keys.length}</span>
      </h2>
      {keys.length === 0 ? (
        <p className="empty-line">No API keys yet. Create one for each tool that talks to your personas.</p>
      ) : (
        <ul className="panel key-list">
          {keys.map((k) => (
            <li key={k.id} className="key-row" data-testid={`api-key-${k.name}`}>
              <span className="key-name">{k.name}</span>
              <span className="mono muted" title="The key’s first characters">
                {k.prefix}…
              </span>
              <span className="muted">created {formatAge(now - k.createdAt)}</span>
              <span className="muted">{k.lastUsedAt ? `used ${formatAge(now - k.lastUsedAt)}` : 'never used'}</span>
              <button type="button" className="button small ghost danger-text" onClick={() => onRevoke(k)} aria-label={`Revoke ${k.name}`}>
                <Icon name="trash" size={14} /> Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
