import { useState } from 'react'
import { addLocalModel, classifyModelSource, installModel } from '../../actions/modelActions'
import { Icon } from '../../components/Icon'
import type { InstallJob } from '../../stores/modelsStore'
import { InstallProgress } from './InstallProgress'

/** "Add a model": an hf: URI or http(s) URL is downloaded (`model.install`); a .gguf path is added where it is (`model.add`). */
export function AddModelForm({ jobs }: { jobs: InstallJob[] }) {
  const [value, setValue] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const source = classifyModelSource(value)

  const submit = async () => {
    if (source.kind === 'invalid') return setProblem(source.message)
    setProblem(null)
    if (source.kind === 'uri') {
      setValue('')
      await installModel(source.uri)
      return
    }
    setBusy(true)
    if (await addLocalModel(source.path)) setValue('')
    setBusy(false)
  }

  return (
    <section className="panel add-model" aria-labelledby="add-model-title">
      <form
        className="add-model-form"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <label className="add-model-label" htmlFor="add-model-input" id="add-model-title">
          Add a model
        </label>
        <div className="add-model-row">
          <input
            id="add-model-input"
            className="input mono"
            value={value}
            onChange={(e) => {
              setValue(e.target.value)
              setProblem(null)
            }}
            placeholder="hf:user/repo/model.Q4_K_M.gguf · https://…/model.gguf · /path/to/model.gguf"
            spellCheck={false}
            aria-describedby="add-model-help"
            aria-invalid={problem !== null}
          />
          <button type="submit" className="button primary" disabled={busy || !value.trim()}>
            <Icon name={source.kind === 'path' ? 'plus' : 'download'} size={14} /> {busy ? 'Adding…' : source.kind === 'path' ? 'Add file' : source.kind === 'uri' ? 'Download' : 'Add'}
          </button>
        </div>
        {problem ? (
          <p className="field-error" role="alert" id="add-model-help">
            {problem}
          </p>
        ) : (
          <p className="muted field-help" id="add-model-help">
            A URI is downloaded into the model folder; a local .gguf file stays where it is.
          </p>
        )}
      </form>
      {jobs.map((j) => (
        <div key={j.callId} className="add-model-job">
          <span className="wrap">
            <span className="muted">Downloading </span>
            <span className="mono">{j.target}</span>
          </span>
          <InstallProgress label={j.target} job={j} installing={null} />
        </div>
      ))}
    </section>
  )
}
