import { formatBytes } from '../../../../shared/format'
import type { MemoryBudget, SpareWorkerInfo, WorkerInfo } from '../../lib/types'

const SOURCE: Record<MemoryBudget['source'], string> = { gpu: 'GPU memory', ram: 'system RAM', setting: 'maxVRAM setting' }
/** Segment colours (styles/workers.css), reused in turn. */
const SEGMENTS = 6

interface Segment {
  key: string
  label: string
  bytes: number
  className: string
}

/** The memory budget as one bar: a coloured segment per loaded model, the spare workers, reserved memory, then what is free. */
export function MemoryBar({ budget, workers, spares = [] }: { budget: MemoryBudget; workers: WorkerInfo[]; spares?: SpareWorkerInfo[] }) {
  const models: Segment[] = workers
    .filter((w) => w.memoryBytes > 0)
    .map((w, i) => ({ key: w.modelId, label: w.modelName, bytes: w.memoryBytes, className: `seg-${i % SEGMENTS}` }))
  const spareBytes = spares.reduce((n, s) => n + s.memoryBytes, 0)
  if (spareBytes > 0) models.push({ key: 'spares', label: spares.length === 1 ? 'spare worker' : `${spares.length} spare workers`, bytes: spareBytes, className: 'seg-spare' })
  const counted = models.reduce((n, s) => n + s.bytes, 0)
  // The host may hold memory for a model it is about to load: shown, but not as anyone's.
  const reserved = Math.max(0, budget.usedBytes - counted)
  const used = counted + reserved
  const free = Math.max(0, budget.totalBytes - used)
  const scale = Math.max(budget.totalBytes, used) || 1
  const segments: Segment[] = [...models, ...(reserved > 0 ? [{ key: 'reserved', label: 'reserved', bytes: reserved, className: 'seg-reserved' }] : [])]
  const summary = [...segments.map((s) => `${s.label} ${formatBytes(s.bytes)}`), `free ${formatBytes(free)}`].join(', ')
  const gpus = budget.gpus.filter((g) => g.model)

  return (
    <section className="panel memory-panel" aria-labelledby="memory-title" data-testid="memory-bar">
      <header className="memory-header">
        <div>
          <h2 id="memory-title">Memory budget</h2>
          <p className="muted memory-description">{budget.description}</p>
        </div>
        <div className="memory-total">
          <span className="memory-used" data-testid="memory-used">
            {formatBytes(used)}
          </span>
          <span className="muted"> of {formatBytes(budget.totalBytes)}</span>
          <div>
            <span className={`badge source-${budget.source}`}>{SOURCE[budget.source]}</span>
          </div>
        </div>
      </header>
      <div className="memory-track" role="img" aria-label={`Memory budget ${formatBytes(budget.totalBytes)}: ${summary}`}>
        {segments.map((s) => (
          <div key={s.key} className={`memory-seg ${s.className}`} style={{ width: `${(s.bytes / scale) * 100}%` }} title={`${s.label}: ${formatBytes(s.bytes)}`} />
        ))}
      </div>
      <ul className="memory-legend">
        {segments.map((s) => (
          <li key={s.key}>
            <span className={`legend-dot ${s.className}`} aria-hidden="true" />
            <span className="legend-name">{s.label}</span>
            <span className="muted">{formatBytes(s.bytes)}</span>
          </li>
        ))}
        <li>
          <span className="legend-dot seg-free" aria-hidden="true" />
          <span className="legend-name">free</span>
          <span className="muted" data-testid="memory-free">
            {formatBytes(free)}
          </span>
        </li>
        {gpus.length > 0 && (
          <li className="memory-gpus muted">
            {gpus.map((g) => `${g.vendor} ${g.model}${g.totalBytes ? ` · ${formatBytes(g.totalBytes)}` : ''}`).join(' · ')}
          </li>
        )}
      </ul>
    </section>
  )
}
