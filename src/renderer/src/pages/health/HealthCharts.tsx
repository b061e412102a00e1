import { useCallback, useEffect, useMemo, useRef } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { ErrorCallout } from '../../components/ErrorCallout'
import { useSettingsStore } from '../../stores/settingsStore'
import { useHealthStore } from './healthStore'
import { chartRows, chartSpecs, formatBucket, healthRanges, plotWidth, pointsFor, rangeMs, thresholdsFrom } from './healthView'
import { MetricChart } from './MetricChart'

/** The time range buttons, and "zoom out" while a dragged part of the range shows. */
function RangeBar() {
  const { timeWindow, range, setRange, unzoom } = useHealthStore(useShallow((s) => ({ timeWindow: s.timeWindow, range: s.range, setRange: s.setRange, unzoom: s.unzoom })))
  const zoomed = !('range' in timeWindow)
  return (
    <div className="health-range-bar">
      <div className="segmented" role="group" aria-label="Time range">
        {healthRanges.map((r) => (
          <button key={r} type="button" className={`button small${!zoomed && r === range ? ' on' : ''}`} aria-pressed={!zoomed && r === range} onClick={() => setRange(r)}>
            {r}
          </button>
        ))}
      </div>
      {zoomed ? (
        <span className="health-zoom" data-testid="health-zoom">
          <span className="muted">
            {new Date(timeWindow.from).toLocaleString()} – {new Date(timeWindow.to).toLocaleString()}
          </span>
          <button type="button" className="button small" onClick={unzoom}>
            Zoom out to {range}
          </button>
        </span>
      ) : (
        <span className="muted health-zoom-hint">Drag across a chart to zoom.</span>
      )}
    </div>
  )
}

/**
 * The selected source's charts over the chosen window. Asks for about as many points as the charts
 * are wide, so a long history is drawn from a downsampled query.
 */
export function HealthCharts({ source }: { source: string }) {
  const history = useHealthStore((s) => s.history)
  const historyError = useHealthStore((s) => s.historyError)
  const timeWindow = useHealthStore((s) => s.timeWindow)
  const zoom = useHealthStore((s) => s.zoom)
  const setPoints = useHealthStore((s) => s.setPoints)
  const settingsLoaded = useSettingsStore((s) => s.loaded)
  const settingRows = useSettingsStore((s) => s.rows)
  const refreshSettings = useSettingsStore((s) => s.refresh)
  const thresholds = useMemo(() => thresholdsFrom(settingRows), [settingRows])
  const ref = useRef<HTMLDivElement>(null)

  useEffect(() => {
    if (!settingsLoaded) void refreshSettings()
  }, [settingsLoaded, refreshSettings])

  // About one point per pixel of a chart's plot, from the grid's width (the same while loading).
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const measure = () => setPoints(pointsFor(plotWidth(el.clientWidth)))
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(el)
    return () => observer.disconnect()
  }, [setPoints])

  const points = history?.source === source ? history.points : null
  const resolution = history?.resolution ?? 'raw'
  const describe = useCallback((at: number) => {
    const p = points?.find((x) => x.at === at)
    return p ? formatBucket(p, resolution) : new Date(at).toLocaleString()
  }, [points, resolution])
  // Rows per metric, rebuilt only when new points arrive: the charts are memoised on them.
  const rows = useMemo(() => (points ? new Map(chartSpecs.map((spec) => [spec.metric, chartRows(points, spec.metric)])) : null), [points])
  const rolledUp = resolution !== 'raw' || (points?.some((p) => p.count > 1) ?? false)
  const to = history?.until ?? Date.now()
  const from = history?.since ?? to - ('range' in timeWindow ? rangeMs(timeWindow.range) : timeWindow.to - timeWindow.from)

  return (
    <section className="health-charts" aria-label={`Charts of ${source}`} data-testid="health-charts">
      <RangeBar />
      {historyError && <ErrorCallout error={historyError} className="page-callout" />}
      {points && (
        <p className="muted health-resolution" data-testid="health-resolution">
          {points.length} points · {rolledUp ? `${resolution === 'raw' ? 'each the mean of its snapshots' : `rolled up per ${resolution}`}; the band is their min – max` : 'one per snapshot'}
        </p>
      )}
      <div className="health-chart-grid" ref={ref}>
        {!rows && !historyError && (
          <div className="loading-board" aria-busy="true">
            <span className="spinner" /> Loading history…
          </div>
        )}
        {rows && chartSpecs.map((spec) => (
          <MetricChart
            key={spec.metric}
            spec={spec}
            rows={rows.get(spec.metric) ?? []}
            thresholds={thresholds}
            from={from}
            to={to}
            rolledUp={rolledUp}
            source={source}
            onZoom={zoom}
            describe={describe}
          />
        ))}
      </div>
    </section>
  )
}
