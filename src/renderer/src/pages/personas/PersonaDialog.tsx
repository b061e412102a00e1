import { useEffect, useId, useMemo, useState } from 'react'
import type { WardenError } from '../../../../shared/errors'
import { createPersona, updatePersona } from '../../actions/personaActions'
import { Dialog } from '../../components/Dialog'
import { ErrorCallout } from '../../components/ErrorCallout'
import type { Persona } from '../../lib/types'
import { useModelsStore } from '../../stores/modelsStore'

/** The select's value for "a path or URI I type". */
const OTHER = '\u0000other'

/** Defaults of GenerationSettings (shared/contract/inference.ts), for a new persona. */
const DEFAULTS = { temperature: '0.7', maxTokens: '256', contextSize: '1024', systemPrompt: 'You are a helpful assistant.' }

interface Draft {
  name: string
  modelChoice: string
  modelOther: string
  systemPrompt: string
  temperature: string
  maxTokens: string
  contextSize: string
}

function initialDraft(persona: Persona | null, knownIds: string[], fallbackModel: string): Draft {
  if (!persona)
    return {
      name: '',
      modelChoice: fallbackModel || OTHER,
      modelOther: '',
      systemPrompt: DEFAULTS.systemPrompt,
      temperature: DEFAULTS.temperature,
      maxTokens: DEFAULTS.maxTokens,
      contextSize: DEFAULTS.contextSize,
    }
  const known = knownIds.includes(persona.model)
  return {
    name: persona.name,
    modelChoice: known ? persona.model : OTHER,
    modelOther: known ? '' : persona.model,
    systemPrompt: persona.systemPrompt,
    temperature: String(persona.settings.temperature),
    maxTokens: String(persona.settings.maxTokens),
    contextSize: String(persona.settings.contextSize),
  }
}

/** Problems the form can see before asking the host (which checks everything again). */
function localProblem(d: Draft): string | null {
  if (!d.name.trim()) return 'Give the persona a name.'
  const model = d.modelChoice === OTHER ? d.modelOther.trim() : d.modelChoice
  if (!model) return 'Choose a model, or type a .gguf path or an hf: URI.'
  const t = Number(d.temperature)
  if (d.temperature.trim() === '' || !(t >= 0 && t <= 2)) return 'Temperature is a number from 0 to 2.'
  const m = Number(d.maxTokens)
  if (!Number.isInteger(m) || m < 1 || m > 8192) return 'Max tokens is a whole number from 1 to 8192.'
  const c = Number(d.contextSize)
  if (!Number.isInteger(c) || c < 128 || c > 131072) return 'Context size is a whole number from 128 to 131072.'
  return null
}

/** Create a persona, or edit one (`persona` given): name, model, system prompt and generation settings. */
export function PersonaDialog({ persona, onClose }: { persona: Persona | null; onClose(): void }) {
  const models = useModelsStore((s) => s.models)
  const modelsLoaded = useModelsStore((s) => s.loaded)
  useEffect(() => {
    void useModelsStore.getState().refresh()
  }, [])
  const options = useMemo(() => {
    const installed = models.filter((m) => m.installed)
    const catalog = models.filter((m) => !m.installed)
    return { installed, catalog, ids: models.map((m) => m.id) }
  }, [models])

  const [draft, setDraft] = useState<Draft>(() => initialDraft(persona, options.ids, options.installed[0]?.id ?? ''))
  // The model list may arrive after the dialog opened: pick the first installed model then.
  useEffect(() => {
    if (!modelsLoaded) return
    setDraft((d) => {
      if (persona) return d.modelChoice === OTHER && options.ids.includes(d.modelOther) ? { ...d, modelChoice: d.modelOther, modelOther: '' } : d
      return d.modelChoice === OTHER && !d.modelOther && options.installed[0] ? { ...d, modelChoice: options.installed[0].id } : d
    })
  }, [modelsLoaded, options, persona])

  const [error, setError] = useState<{ message: string; hint?: string } | null>(null)
  const [busy, setBusy] = useState(false)
  const formId = useId()
  const set = (change: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...change }))
    setError(null)
  }

  const submit = async () => {
    const problem = localProblem(draft)
    if (problem) return setError({ message: problem })
    setBusy(true)
    const model = draft.modelChoice === OTHER ? draft.modelOther.trim() : draft.modelChoice
    const settings = { temperature: Number(draft.temperature), maxTokens: Number(draft.maxTokens), contextSize: Number(draft.contextSize) }
    const name = draft.name.trim()
    const out = persona
      ? await updatePersona({ name: persona.name, newName: name !== persona.name ? name : undefined, model, systemPrompt: draft.systemPrompt, settings })
      : await createPersona({ name, model, systemPrompt: draft.systemPrompt, settings })
    if (out.ok) return onClose()
    setBusy(false)
    setError(describe(out.error))
  }

  return (
    <Dialog
      title={persona ? `Edit ${persona.name}` : 'New persona'}
      onClose={onClose}
      testId="persona-dialog"
      width={560}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button primary" disabled={busy}>
            {busy ? 'Saving…' : persona ? 'Save' : 'Create persona'}
          </button>
        </>
      }
    >
      <form
        id={formId}
        className="persona-form"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <label className="field">
          <span>Name</span>
          <input className="input" value={draft.name} onChange={(e) => set({ name: e.target.value })} maxLength={64} placeholder="Ada" data-autofocus spellCheck={false} />
        </label>
        <label className="field">
          <span>Model</span>
          <select className="input" aria-label="Model" value={modelsLoaded ? draft.modelChoice : ''} onChange={(e) => set({ modelChoice: e.target.value })} disabled={!modelsLoaded}>
            {!modelsLoaded && <option value="">Loading models…</option>}
            {options.installed.length > 0 && (
              <optgroup label="Installed">
                {options.installed.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name === m.id ? m.id : `${m.name} (${m.id})`}
                  </option>
                ))}
              </optgroup>
            )}
            {options.catalog.length > 0 && (
              <optgroup label="Recommended (downloaded on first use)">
                {options.catalog.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name === m.id ? m.id : `${m.name} (${m.id})`}
                  </option>
                ))}
              </optgroup>
            )}
            <option value={OTHER}>Other: a .gguf path or a URI…</option>
          </select>
        </label>
        {draft.modelChoice === OTHER && (
          <label className="field">
            <span>Model path or URI</span>
            <input
              className="input mono"
              value={draft.modelOther}
              onChange={(e) => set({ modelOther: e.target.value })}
              placeholder="/path/to/model.gguf or hf:user/repo/model.gguf"
              spellCheck={false}
              autoFocus={!persona}
            />
          </label>
        )}
        <label className="field">
          <span>System prompt</span>
          <textarea className="input textarea" rows={4} value={draft.systemPrompt} onChange={(e) => set({ systemPrompt: e.target.value })} maxLength={20000} />
        </label>
        <div className="field-row">
          <label className="field">
            <span>Temperature</span>
            <input className="input" type="number" min={0} max={2} step={0.1} value={draft.temperature} onChange={(e) => set({ temperature: e.target.value })} />
          </label>
          <label className="field">
            <span>Max tokens</span>
            <input className="input" type="number" min={1} max={8192} step={1} value={draft.maxTokens} onChange={(e) => set({ maxTokens: e.target.value })} />
          </label>
          <label className="field">
            <span>Context size</span>
            <input className="input" type="number" min={128} max={131072} step={128} value={draft.contextSize} onChange={(e) => set({ contextSize: e.target.value })} />
          </label>
        </div>
        {error && <ErrorCallout error={error} />}
      </form>
    </Dialog>
  )
}

function describe(error: WardenError): { message: string; hint?: string } {
  if (error.code === 'CONFLICT') return { message: error.message, hint: error.hint ?? 'Pick another name.' }
  return { message: error.message, hint: error.hint }
}
