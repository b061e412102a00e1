import { useEffect, useMemo, useState } from 'react'
import { formatBytes } from '../../../../shared/format'
import { ErrorCallout } from '../../components/ErrorCallout'
import { Icon } from '../../components/Icon'
import type { ModelInfo } from '../../lib/types'
import { installJobFor, useModelsStore, type InstallJob } from '../../stores/modelsStore'
import { AddModelForm } from './AddModelForm'
import { CacheNotice } from './CacheNotice'
import { ModelCard } from './ModelCard'
import { RemoveModelDialog } from './RemoveModelDialog'

function Section({ id, title, models, installs, empty, onRemove }: { id: string; title: string; models: ModelInfo[]; installs: InstallJob[]; empty?: string; onRemove(m: ModelInfo): void }) {
  if (models.length === 0 && !empty) return null
  return (
    <section className="model-section" aria-labelledby={`models-${id}`} data-testid={`models-${id}`}>
      <h2 className="section-title" id={`models-${id}`}>
        {title}
        <span className="count subtle">{models.length}</span>
      </h2>
      {models.length === 0 ? (
        <p className="empty-line">{empty}</p>
      ) : (
        <div className="card-grid model-grid">
          {models.map((m) => (
            <ModelCard key={m.id} model={m} job={installJobFor(installs, m)} onRemove={onRemove} />
          ))}
        </div>
      )}
    </section>
  )
}

/** Models: installed ones, local files, the recommended catalog; install, add and remove. */
export function ModelsPage() {
  const loaded = useModelsStore((s) => s.loaded)
  const models = useModelsStore((s) => s.models)
  const installs = useModelsStore((s) => s.installs)
  const storagePath = useModelsStore((s) => s.storagePath)
  const freeBytes = useModelsStore((s) => s.freeBytes)
  const cache = useModelsStore((s) => s.cache)
  const error = useModelsStore((s) => s.error)
  const refresh = useModelsStore((s) => s.refresh)
  const [removing, setRemoving] = useState<ModelInfo | null>(null)

  useEffect(() => {
    void refresh()
  }, [refresh])

  const { installed, local, recommended, orphanJobs } = useMemo(() => {
    const byName = (a: ModelInfo, b: ModelInfo) => a.name.localeCompare(b.name)
    return {
      installed: models.filter((m) => m.installed && m.source !== 'file').sort(byName),
      local: models.filter((m) => m.source === 'file').sort(byName),
      recommended: models.filter((m) => !m.installed && m.source !== 'file'),
      // Downloads of a URI the list does not show yet appear under the field that started them.
      orphanJobs: installs.filter((j) => !models.some((m) => installJobFor([j], m))),
    }
  }, [models, installs])

  return (
    <div className="inference-page models-page" data-testid="models-page">
      <div className="page-toolbar">
        <p className="muted toolbar-summary storage-line" data-testid="model-storage">
          <Icon name="disk" size={15} />
          {storagePath ? (
            <>
              <span className="mono wrap" title="Where downloaded models are kept (setting modelStoragePath)">
                {storagePath}
              </span>
              {freeBytes !== null && <span data-testid="free-bytes">· {formatBytes(freeBytes)} free</span>}
              {cache?.limitBytes != null && (
                <span data-testid="model-cache" title="Downloaded models, against the maxModelCacheSize setting: beyond it the least recently used are removed">
                  · {formatBytes(cache.usedBytes)} of {formatBytes(cache.limitBytes)} cache
                </span>
              )}
            </>
          ) : (
            '\u00a0'
          )}
        </p>
      </div>
      {error && <ErrorCallout error={error} className="page-callout" icon />}
      <CacheNotice />
      <div className="page-scroll">
        <AddModelForm jobs={orphanJobs} />
        {!loaded ? (
          <div className="loading-board" aria-busy="true">
            <span className="spinner" /> Loading models…
          </div>
        ) : (
          <>
            <Section
              id="installed"
              title="Installed"
              models={installed}
              installs={installs}
              empty={local.length ? undefined : 'No model is installed yet: install a recommended one below, or add a URI or a .gguf file above.'}
              onRemove={setRemoving}
            />
            <Section id="local" title="Local files" models={local} installs={installs} onRemove={setRemoving} />
            <Section id="recommended" title="Recommended" models={recommended} installs={installs} onRemove={setRemoving} />
          </>
        )}
      </div>
      {removing && <RemoveModelDialog model={removing} onClose={() => setRemoving(null)} />}
    </div>
  )
}
