import { useEffect, useState } from 'react'
import { formatBytes } from '../../../../../shared/format'
import type { WardenError } from '../../../../../shared/errors'
import { wardenClient } from '../../../client/clientInstance'
import { toWardenError } from '../../../lib/toWardenError'
import type { FileChange, HibernatedVersion, ModuleDiff } from '../../../lib/types'
import { formatDate } from './moduleStatus'
import { PatchView } from './PatchView'
import { ErrorCallout } from '../../../components/ErrorCallout'

/** What to compare: a stored version against another one or against the active module. */
export interface DiffPair {
  from: number | null
  to: number | 'active' | null
}

export function defaultPair(versions: HibernatedVersion[], active: boolean): DiffPair {
  const newest = [...versions].sort((a, b) => b.hibernatedAt - a.hibernatedAt).map((v) => v.hibernatedAt)
  if (active) return { from: newest[0] ?? null, to: 'active' }
  return { from: newest[1] ?? null, to: newest[0] ?? null }
}

function FileDiff({ change }: { change: FileChange }) {
  return (
    <details className="file-diff" open={!change.binary} data-testid={`diff-file-${change.path}`}>
      <summary>
        <span className={`badge change-${change.status}`}>{change.status}</span>
        <span className="mono">{change.path}</span>
      </summary>
      {change.binary ? (
        <p className="empty-line">
          Binary file · {change.sizeBefore === null ? '—' : formatBytes(change.sizeBefore)} → {change.sizeAfter === null ? '—' : formatBytes(change.sizeAfter)}
        </p>
      ) : change.patch ? (
        <PatchView patch={change.patch} />
      ) : (
        <p className="empty-line">Too large to show.</p>
      )}
    </details>
  )
}

/** A version compared with another or with the active module: files added, removed and changed. */
export function DiffView({ name, versions, active, pair, onPair }: { name: string; versions: HibernatedVersion[]; active: boolean; pair: DiffPair; onPair(p: DiffPair): void }) {
  const [result, setResult] = useState<ModuleDiff | null>(null)
  const [error, setError] = useState<WardenError | null>(null)
  const [loading, setLoading] = useState(false)
  const sorted = [...versions].sort((a, b) => b.hibernatedAt - a.hibernatedAt)
  const ready = pair.from !== null && pair.to !== null && pair.from !== pair.to

  useEffect(() => {
    if (pair.from === null || pair.to === null || pair.from === pair.to) return
    let current = true
    setLoading(true)
    const at = pair.to === 'active' ? [pair.from] : [pair.from, pair.to]
    wardenClient()
      .call('module.diff', { name, at })
      .then(
        (r) => {
          if (!current) return
          setResult(r)
          setError(null)
        },
        (e: unknown) => {
          if (!current) return
          setError(toWardenError(e))
          setResult(null)
        },
      )
      .finally(() => {
        if (current) setLoading(false)
      })
    return () => {
      current = false
    }
  }, [name, pair.from, pair.to])

  if (sorted.length === 0 || (!active && sorted.length < 2)) {
    return <p className="empty-line">A diff needs two versions, or one version and the active module.</p>
  }
  const option = (v: HibernatedVersion) => (
    <option key={v.hibernatedAt} value={v.hibernatedAt}>
      {formatDate(v.hibernatedAt)} · {v.location === 'archive' ? 'archived' : v.wokenAt ? 'woken' : 'hibernated'}
    </option>
  )
  const counts = result
    ? (['added', 'removed', 'changed'] as const).map((s) => [s, result.changes.filter((c) => c.status === s).length] as const).filter(([, n]) => n > 0)
    : []

  return (
    <div className="diff-view" data-testid="diff-view">
      <div className="diff-pickers">
        <label className="field compact">
          <span>From</span>
          <select className="input" aria-label="Diff from" value={pair.from ?? ''} onChange={(e) => onPair({ ...pair, from: Number(e.target.value) })}>
            {sorted.map(option)}
          </select>
        </label>
        <span className="diff-arrow" aria-hidden="true">→</span>
        <label className="field compact">
          <span>To</span>
          <select
            className="input"
            aria-label="Diff to"
            value={pair.to ?? ''}
            onChange={(e) => onPair({ ...pair, to: e.target.value === 'active' ? 'active' : Number(e.target.value) })}
          >
            {active && <option value="active">Active module</option>}
            {sorted.map(option)}
          </select>
        </label>
      </div>
      {!ready && <p className="empty-line">Choose two different versions.</p>}
      {ready && error && <ErrorCallout error={error} />}
      {ready && result && (
        <div className={loading ? 'diff-result stale' : 'diff-result'}>
          <p className="diff-summary" data-testid="diff-summary">
            {counts.map(([s, n]) => (
              <span key={s} className={`badge change-${s}`}>
                {n} {s}
              </span>
            ))}
            <span className="muted">{result.unchanged} unchanged</span>
          </p>
          {result.changes.length === 0 ? <p className="empty-line">The two are identical.</p> : result.changes.map((c) => <FileDiff key={c.path} change={c} />)}
        </div>
      )}
      {ready && loading && !result && <p className="empty-line">Comparing…</p>}
    </div>
  )
}
