import { useEffect, useMemo, useState } from 'react'
import { formatBytes } from '../../../../shared/format'
import { loadModel } from '../../actions/workerActions'
import { Icon } from '../../components/Icon'
import { useModelsStore } from '../../stores/modelsStore'

/** "Load model": a select of the installed models that are not loaded yet, and a button. */
export function LoadModelPicker() {
  const models = useModelsStore((s) => s.models)
  const loaded = useModelsStore((s) => s.loaded)
  const refresh = useModelsStore((s) => s.refresh)
  const candidates = useMemo(() => models.filter((m) => m.installed && !m.loaded), [models])
  const [choice, setChoice] = useState('')
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    void refresh()
  }, [refresh])
  // Keep a valid choice as models come and go.
  const selected = candidates.some((m) => m.id === choice) ? choice : (candidates[0]?.id ?? '')

  return (
    <form
      className="load-picker"
      onSubmit={async (e) => {
        e.preventDefault()
        if (!selected) return
        setBusy(true)
        await loadModel(selected, candidates.find((m) => m.id === selected)?.name)
        setBusy(false)
      }}
    >
      <select className="input" aria-label="Model to load" value={selected} onChange={(e) => setChoice(e.target.value)} disabled={busy || candidates.length === 0}>
        {candidates.length === 0 && <option value="">{loaded ? 'Every installed model is loaded' : 'Loading models…'}</option>}
        {candidates.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name}
            {m.facts ? ` · ${formatBytes(m.facts.estimatedMemory)}` : ''}
          </option>
        ))}
      </select>
      <button type="submit" className="button primary" disabled={busy || !selected}>
        <Icon name="play" size={14} /> {busy ? 'Loading…' : 'Load model'}
      </button>
    </form>
  )
}
