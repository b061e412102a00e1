import { memo, useState, type ReactNode } from 'react'
import { formatBytes } from '../../../../shared/format'
import { installModel } from '../../actions/modelActions'
import { loadModel } from '../../actions/workerActions'
import { Icon } from '../../components/Icon'
import { formatParameters, formatTokens } from '../../lib/inferenceFormat'
import type { ModelInfo } from '../../lib/types'
import type { InstallJob } from '../../stores/modelsStore'
import { InstallProgress } from './InstallProgress'

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd title={typeof children === 'string' ? children : undefined}>{children}</dd>
    </div>
  )
}

/** What is known of a model: read from its GGUF once it is on disk, from the catalog before. */
export function modelFacts(m: ModelInfo) {
  return {
    parameters: m.facts?.parameters != null ? formatParameters(m.facts.parameters) : (m.catalog?.parameters ?? null),
    architecture: m.facts?.architecture ?? null,
    contextLength: m.facts?.contextLength ?? m.catalog?.contextLength ?? null,
    quantization: m.facts?.fileType ?? m.catalog?.quantization ?? null,
    memory: m.facts?.estimatedMemory ?? m.catalog?.minMemory ?? null,
  }
}

interface ModelCardProps {
  model: ModelInfo
  job?: InstallJob
  onRemove(model: ModelInfo): void
}

/** One model: facts, whether it is loaded, and Install / Load / Remove. */
export const ModelCard = memo(function ModelCard({ model: m, job, onRemove }: ModelCardProps) {
  const facts = modelFacts(m)
  const installing = job !== undefined || m.installing !== null
  const [loading, setLoading] = useState(false)

  return (
    <article className={`card model-card${m.loaded ? ' is-loaded' : ''}`} data-testid={`model-card-${m.id}`} aria-label={m.name}>
      <div className="card-top">
        <span className="card-name" title={m.name}>
          {m.name}
        </span>
        {m.loaded ? (
          <span className="badge ok" data-testid="model-loaded">
            loaded
          </span>
        ) : m.source === 'file' ? (
          <span className="badge">local file</span>
        ) : m.installed ? (
          <span className="badge">installed</span>
        ) : null}
      </div>
      {m.id !== m.name && (
        <div className="mono subtle-line model-id" title={m.path ?? m.uri ?? m.id}>
          {m.id}
        </div>
      )}
      {m.description && <p className="card-description model-description">{m.description}</p>}
      <dl className="model-facts">
        {facts.parameters && <Fact label="Parameters">{facts.parameters}</Fact>}
        {facts.architecture && <Fact label="Architecture">{facts.architecture}</Fact>}
        {facts.contextLength !== null && <Fact label="Context">{`${formatTokens(facts.contextLength)}`}</Fact>}
        {facts.quantization && <Fact label="Quantization">{facts.quantization}</Fact>}
        <Fact label={m.installed ? 'Size' : 'Download'}>{m.size !== null ? formatBytes(m.size) : '—'}</Fact>
        {facts.memory !== null && <Fact label="Memory">{`≈ ${formatBytes(facts.memory)}`}</Fact>}
        {m.catalog?.license && <Fact label="License">{m.catalog.license}</Fact>}
      </dl>
      {m.source === 'file' && m.path && (
        <p className="mono subtle-line wrap model-path" title="A local file: Warden uses it where it is">
          {m.path}
        </p>
      )}
      {installing && <InstallProgress label={m.name} job={job} installing={m.installing} />}
      <div className="model-actions">
        {!m.installed && !installing && (
          <button type="button" className="button small primary" onClick={() => void installModel(m.id, m.name)} aria-label={`Install ${m.name}`}>
            <Icon name="download" size={14} /> Install{m.size !== null ? ` · ${formatBytes(m.size)}` : ''}
          </button>
        )}
        {m.installed && !m.loaded && (
          <button
            type="button"
            className="button small"
            disabled={loading}
            aria-label={`Load ${m.name}`}
            onClick={async () => {
              setLoading(true)
              await loadModel(m.id, m.name)
              setLoading(false)
            }}
          >
            <Icon name="play" size={14} /> {loading ? 'Loading…' : 'Load'}
          </button>
        )}
        {m.installed && (
          <button type="button" className="button small ghost danger-text" onClick={() => onRemove(m)} aria-label={`Remove ${m.name}`}>
            <Icon name="trash" size={14} /> Remove
          </button>
        )}
      </div>
    </article>
  )
})
