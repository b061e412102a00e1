import { useState } from 'react'
import { createApiKey } from '../../actions/apiKeyActions'
import { Icon } from '../../components/Icon'
import type { CreatedApiKey } from '../../lib/types'

/** "New API key": a name (the tool it is for), then the key, shown once by the caller. */
export function NewKeyForm({ onCreated }: { onCreated(key: CreatedApiKey): void }) {
  const [name, setName] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async () => {
    setBusy(true)
    const out = await createApiKey(name.trim())
    setBusy(false)
    if (!out.ok) return setProblem(out.error.hint ? `${out.error.message}. ${out.error.hint}` : out.error.message)
    setName('')
    setProblem(null)
    onCreated(out.value)
  }

  return (
    <section className="panel add-model" aria-labelledby="new-key-title">
      <form
        className="add-model-form"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <label className="add-model-label" htmlFor="new-key-name" id="new-key-title">
          New API key
        </label>
        <div className="add-model-row">
          <input
            id="new-key-name"
            className="input"
            value={name}
            onChange={(e) => {
              setName(e.target.value)
              setProblem(null)
            }}
            placeholder="What it is for: cursor, scripts, …"
            maxLength={64}
            spellCheck={false}
            aria-describedby="new-key-help"
            aria-invalid={problem !== null}
            data-testid="new-key-name"
          />
          <button type="submit" className="button primary" disabled={busy || !name.trim()} data-testid="create-key">
            <Icon name="plus" size={14} /> {busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
        {problem ? (
          <p className="field-error" role="alert" id="new-key-help">
            {problem}
          </p>
        ) : (
          <p className="muted field-help" id="new-key-help">
            A key reaches only the OpenAI-compatible API (<span className="mono">/v1</span>): give one to each tool, and revoke it when the tool no longer needs it. The server’s own token reaches every operation; keep that one to yourself.
          </p>
        )}
      </form>
    </section>
  )
}
