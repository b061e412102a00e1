import { useState } from 'react'
import { describeOverLimit } from '../../../../shared/modelCacheText'
import { Icon } from '../../components/Icon'
import { useNow } from '../../hooks/useNow'
import { useModelsStore } from '../../stores/modelsStore'
import { describeEviction, dismissedEvictionAt, evictionToShow, rememberDismissed } from './cacheNotice'

/** What `maxModelCacheSize` removed and why (until dismissed), and what keeps the models over it. */
export function CacheNotice() {
  const cache = useModelsStore((s) => s.cache)
  const [dismissedAt, setDismissedAt] = useState(dismissedEvictionAt)
  const now = useNow()
  const eviction = evictionToShow(cache, dismissedAt)
  const over = cache?.overLimit ? describeOverLimit(cache.overLimit) : null
  if (!eviction && !over) return null
  const shown = eviction ? describeEviction(eviction, now) : null
  return (
    <>
      {over && (
        <div className="callout warning page-callout" role="status" data-testid="cache-over-limit">
          <Icon name="alert" size={18} />
          <div>
            <strong>{over.title}</strong>
            <p>{over.message}</p>
          </div>
        </div>
      )}
      {shown && eviction && (
        <div className="callout page-callout cache-eviction" role="status" data-testid="cache-eviction">
          <Icon name="info" size={18} />
          <div className="cache-eviction-body">
            <strong>{shown.title}</strong>
            <ul>
              {shown.items.map((m) => (
                <li key={m.id} title={m.reason}>
                  {m.text}
                </li>
              ))}
            </ul>
            <p>{shown.when}</p>
          </div>
          <button
            className="icon-button"
            aria-label="Dismiss"
            title="Dismiss"
            onClick={() => {
              rememberDismissed(eviction.at)
              setDismissedAt(eviction.at)
            }}
          >
            <Icon name="close" />
          </button>
        </div>
      )}
    </>
  )
}
