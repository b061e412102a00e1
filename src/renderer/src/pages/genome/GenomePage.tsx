import { useEffect, useState } from 'react'
import type { OperationOutput } from '../../../../shared/contract/operations'
import type { WardenError } from '../../../../shared/errors'
import { adapterUsageNote, formatBytes } from '../../../../shared/format'
import { runOperation } from '../../actions/runOperation'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorCallout } from '../../components/ErrorCallout'
import { Icon } from '../../components/Icon'
import { useSettingsStore } from '../../stores/settingsStore'
import { toastSuccess } from '../../stores/toastStore'
import { useGenomeStore, type AdapterRow } from './genomeStore'

function refresh(): void {
  void useGenomeStore.getState().refresh()
}

/** "Add an adapter": a .gguf path (the browser gives no path of a dropped file), a name, a description, tags, a base model. */
function AddAdapterForm() {
  const dropped = useGenomeStore((s) => s.dropped)
  const [path, setPath] = useState('')
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const [tags, setTags] = useState('')
  const [base, setBase] = useState('')
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    if (!dropped) return
    if (dropped.path) setPath(dropped.path)
    setName((n) => n || dropped.name.replace(/\.gguf$/i, '').slice(0, 64))
  }, [dropped])

  const submit = async () => {
    setBusy(true)
    const out = await runOperation(
      'adapter.add',
      { path: path.trim(), name: name.trim(), description, tags, ...(base.trim() ? { base: base.trim() } : {}) },
      { label: `Adding ${name.trim()}` },
    )
    setBusy(false)
    refresh()
    if (!out.ok) return
    toastSuccess(`Added ${out.value.name}`, `${formatBytes(out.value.size)} · rank ${out.value.facts.rank}`)
    setPath('')
    setName('')
    setDescription('')
    setTags('')
    useGenomeStore.getState().drop(null)
  }

  return (
    <section className="panel genome-add" aria-labelledby="add-adapter-title">
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <h2 className="section-title" id="add-adapter-title">
          Add an adapter
        </h2>
        <div className="genome-add-grid">
          <label>
            <span>File</span>
            <input className="input mono" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/adapter.gguf" spellCheck={false} aria-label="Adapter file path" />
          </label>
          <label>
            <span>Name</span>
            <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="code-review" maxLength={64} aria-label="Adapter name" />
          </label>
          <label>
            <span>Base model</span>
            <input className="input mono" value={base} onChange={(e) => setBase(e.target.value)} placeholder="model id (checked to fit)" aria-label="Base model" />
          </label>
          <label>
            <span>Tags</span>
            <input className="input" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="typescript, review" aria-label="Adapter tags" />
          </label>
          <label className="genome-add-wide">
            <span>What it is good at</span>
            <input className="input" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="Reviews TypeScript code for bugs and style" aria-label="Adapter description" />
          </label>
        </div>
        {dropped && !dropped.path ? (
          <p className="muted field-help" role="status" data-testid="drop-note">
            {dropped.name} was dropped, but this window cannot read a dropped file’s path: type or paste its path above.
          </p>
        ) : (
          <p className="muted field-help">Drop a .gguf on the window or give its path; the file is copied into {useGenomeStore.getState().dir ?? 'the adapter folder'}.</p>
        )}
        <button type="submit" className="button primary" disabled={busy || !path.trim() || !name.trim()}>
          <Icon name="plus" size={14} /> {busy ? 'Adding…' : 'Add adapter'}
        </button>
      </form>
    </section>
  )
}

function AdapterCard({ adapter, onRemove }: { adapter: AdapterRow; onRemove(a: AdapterRow): void }) {
  return (
    <article className="card adapter-card" data-testid={`adapter-${adapter.name}`} aria-label={`Adapter ${adapter.name}`}>
      <header className="adapter-head">
        <h3 className="mono">{adapter.name}</h3>
        <button type="button" className="button icon-button" aria-label={`Remove ${adapter.name}`} title="Remove" onClick={() => onRemove(adapter)}>
          <Icon name="trash" size={14} />
        </button>
      </header>
      {adapter.description && <p>{adapter.description}</p>}
      <p className="muted adapter-facts">
        <span>base {adapter.baseModel ?? 'any (not checked)'}</span> · <span>{formatBytes(adapter.size)}</span> · <span>rank {adapter.facts.rank}</span> ·{' '}
        <span>{adapter.facts.layersSpanned} layers</span> · <span data-testid={`usage-${adapter.name}`}>{adapterUsageNote(adapter.usage)}</span>
      </p>
      {adapter.tags.length > 0 && (
        <ul className="adapter-tags" aria-label="Tags">
          {adapter.tags.map((t) => (
            <li key={t} className="chip">
              {t}
            </li>
          ))}
        </ul>
      )}
    </article>
  )
}

type SearchOut = OperationOutput<'adapter.search'>

function settingNumber(rows: { key: string; value: unknown }[], key: string, fallback: number): number {
  const v = rows.find((r) => r.key === key)?.value
  return typeof v === 'number' ? v : fallback
}

/**
 * "Try a prompt": each adapter's similarity to it, and which ones an auto-genome persona would take
 * (at least the selection threshold, the most similar first, at most `maxLoRALayersPerPersona`;
 * a persona also takes only adapters added for its model, and its pinned ones on top).
 */
function TryPrompt() {
  const rows = useSettingsStore((s) => s.rows)
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<SearchOut | null>(null)
  const [error, setError] = useState<WardenError | null>(null)
  useEffect(() => {
    if (!useSettingsStore.getState().loaded) void useSettingsStore.getState().refresh()
  }, [])
  const threshold = settingNumber(rows, 'loraSelectionThreshold', 0.7)
  const max = settingNumber(rows, 'maxLoRALayersPerPersona', 3)

  const run = async () => {
    setBusy(true)
    const out = await runOperation('adapter.search', { text }, { label: 'Searching adapters', expected: ['INVALID_INPUT', 'NOT_FOUND', 'UNAVAILABLE'] })
    setBusy(false)
    if (out.ok) {
      setResult(out.value)
      setError(null)
    } else {
      setResult(null)
      setError(out.error)
    }
  }
  const chosen = new Set((result?.results ?? []).filter((r) => r.similarity >= threshold).slice(0, max).map((r) => r.name))

  return (
    <section className="panel genome-try" aria-labelledby="try-prompt-title" data-testid="try-prompt">
      <h2 className="section-title" id="try-prompt-title">
        Try a prompt
      </h2>
      <form
        className="genome-try-row"
        onSubmit={(e) => {
          e.preventDefault()
          void run()
        }}
      >
        <input className="input" value={text} onChange={(e) => setText(e.target.value)} placeholder="Review this TypeScript function…" aria-label="Prompt to try" />
        <button type="submit" className="button primary" disabled={busy || !text.trim()}>
          {busy ? 'Searching…' : 'Try'}
        </button>
      </form>
      <p className="muted field-help">
        Chosen: similarity at least {threshold}, at most {max} (settings loraSelectionThreshold, maxLoRALayersPerPersona).
      </p>
      {error && <ErrorCallout error={error} />}
      {result && (
        <>
          <p className="muted" data-testid="genome-would-be">
            Genome: {chosen.size ? [...chosen].join(' + ') : 'none (no adapter is similar enough)'} · embedded by <span className="mono">{result.embeddingModel}</span>
          </p>
          <ol className="genome-results" aria-label="Similarities">
            {result.results.map((r) => (
              <li key={r.name} data-testid={`similarity-${r.name}`} className={chosen.has(r.name) ? 'chosen' : undefined}>
                <span className="mono">{r.name}</span> <span className="similarity">{r.similarity.toFixed(2)}</span>
                {chosen.has(r.name) && <span className="chip">in the genome</span>}
                {r.baseModel && <span className="muted"> · for {r.baseModel}</span>}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  )
}

/** Genome: the LoRA adapters personas can answer with; add, remove, and try which a prompt would choose. */
export function GenomePage() {
  const loaded = useGenomeStore((s) => s.loaded)
  const adapters = useGenomeStore((s) => s.adapters)
  const problems = useGenomeStore((s) => s.problems)
  const error = useGenomeStore((s) => s.error)
  const [removing, setRemoving] = useState<AdapterRow | null>(null)
  useEffect(() => {
    refresh()
  }, [])

  return (
    <div className="inference-page genome-page" data-testid="genome-page">
      {error && <ErrorCallout error={error} className="page-callout" icon />}
      <div className="page-scroll">
        <AddAdapterForm />
        <TryPrompt />
        <section className="model-section" aria-labelledby="adapters-title" data-testid="adapters">
          <h2 className="section-title" id="adapters-title">
            Adapters<span className="count subtle">{adapters.length}</span>
          </h2>
          {problems.map((p) => (
            <p key={p} className="callout warning" role="alert">
              {p}
            </p>
          ))}
          {!loaded ? (
            <div className="loading-board" aria-busy="true">
              <span className="spinner" /> Loading adapters…
            </div>
          ) : adapters.length === 0 ? (
            <p className="empty-line">No adapter yet: add a LoRA .gguf above.</p>
          ) : (
            <div className="card-grid">
              {adapters.map((a) => (
                <AdapterCard key={a.name} adapter={a} onRemove={setRemoving} />
              ))}
            </div>
          )}
        </section>
      </div>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel="Delete adapter"
          busyLabel="Removing…"
          danger
          testId="remove-adapter-dialog"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            const out = await runOperation('adapter.remove', { name: removing.name }, { label: `Removing ${removing.name}` })
            if (out.ok) toastSuccess(`Removed ${removing.name}`, `${formatBytes(out.value.freedBytes)} freed`)
            refresh()
            return out.ok
          }}
        >
          <p>
            Its copy in Warden’s adapter folder{removing.size ? ` (${formatBytes(removing.size)})` : ''} is <strong>deleted</strong>. Personas that pin it answer without it.
          </p>
        </ConfirmDialog>
      )}
    </div>
  )
}
