import { useState } from 'react'
import { Icon } from '../../components/Icon'
import type { CreatedApiKey } from '../../lib/types'

/** The key just created, shown this once with a copy button: Warden keeps only its hash. */
export function CreatedKeyCallout({ created, onDone }: { created: CreatedApiKey; onDone(): void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key)
      setCopied('yes')
    } catch {
      setCopied('failed')
    }
  }
  return (
    <div className="callout success created-key" role="status" data-testid="created-key">
      <Icon name="check" size={18} />
      <div className="created-key-body">
        <strong>Key “{created.name}” created. Copy it now: it is not shown again.</strong>
        <div className="add-model-row">
          <input className="input mono" readOnly value={created.key} aria-label={`The API key ${created.name}`} onFocus={(e) => e.currentTarget.select()} data-testid="created-key-value" />
          <button type="button" className="button primary" onClick={() => void copy()}>
            <Icon name={copied === 'yes' ? 'check' : 'copy'} size={14} /> {copied === 'yes' ? 'Copied' : 'Copy'}
          </button>
          <button type="button" className="button" onClick={onDone}>
            Done
          </button>
        </div>
        {copied === 'failed' && <p>The clipboard is not available here: select the key and copy it with Ctrl+C (⌘C).</p>}
      </div>
    </div>
  )
}
