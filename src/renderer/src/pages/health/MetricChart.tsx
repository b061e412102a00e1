import { memo, useState } from 'react'
import { Area, ComposedChart, Line, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { MouseHandlerDataParam } from 'recharts'
import { formatTick, hasValues, zoomWindow, type ChartRow, type ChartSpec, type HealthThresholdLines } from './healthView'

const HEIGHT = 170

interface MetricChartProps {
  spec: ChartSpec
  rows: ChartRow[]
  thresholds: HealthThresholdLines
  /** The time axis: the window asked for, not just where points are. */
  from: number
  to: number
  /** Whether the points are roll-ups (a min–max band is drawn). */
  rolledUp: boolean
  source: string
  /** A drag across the chart: zoom to that part of the time axis. */
  onZoom(from: number, to: number): void
  /** How a point's time reads in the tooltip. */
  describe(at: number): string
}

const labelOf = (s: MouseHandlerDataParam) => (typeof s.activeLabel === 'number' ? s.activeLabel : Number(s.activeLabel))

/**
 * One metric over time: the mean line, a min–max band where the points roll up many snapshots,
 * and the threshold lines from the settings. Static props (no animation, no dots) so that live
 * refetches redraw cheaply.
 */
export const MetricChart = memo(function MetricChart({ spec, rows, thresholds, from, to, rolledUp, source, onZoom, describe }: MetricChartProps) {
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null)
  const lines = spec.lines(thresholds)
  const span = to - from
  const name = `${spec.title} of ${source}`
  return (
    <figure className="health-chart panel" data-testid={`health-chart-${spec.metric}`} aria-label={name}>
      <figcaption>
        <strong>{spec.title}</strong>
        {lines.length > 0 && <span className="muted"> · {lines.map((l) => l.label).join(' · ')}</span>}
      </figcaption>
      {!hasValues(rows) ? (
        <p className="health-chart-empty muted">Not measured by this source in this window.</p>
      ) : (
        <div className="health-chart-plot" role="img" aria-label={`${name}, ${rows.length} points; drag across the chart to zoom`}>
          <ResponsiveContainer width="100%" height={HEIGHT}>
            <ComposedChart
              data={rows}
              margin={{ top: 8, right: 12, bottom: 0, left: 0 }}
              onMouseDown={(s) => {
                const at = labelOf(s)
                if (Number.isFinite(at)) setDrag({ a: at, b: at })
              }}
              onMouseMove={(s) => {
                const at = labelOf(s)
                if (drag && Number.isFinite(at)) setDrag({ a: drag.a, b: at })
              }}
              onMouseUp={() => {
                const z = drag && zoomWindow(drag.a, drag.b)
                setDrag(null)
                if (z) onZoom(z.from, z.to)
              }}
              onMouseLeave={() => setDrag(null)}
            >
              <XAxis dataKey="at" type="number" domain={[from, to]} allowDataOverflow tickCount={6} tickFormatter={(at: number) => formatTick(at, span)} minTickGap={24} fontSize={11} />
              <YAxis domain={spec.domain ?? ['auto', 'auto']} tickFormatter={spec.format} width={64} fontSize={11} />
              <Tooltip
                isAnimationActive={false}
                labelFormatter={(at) => describe(Number(at))}
                formatter={(v) => (Array.isArray(v) ? v.map((x) => spec.format(Number(x))).join(' – ') : spec.format(Number(v)))}
              />
              {rolledUp && <Area dataKey="band" name="min – max" isAnimationActive={false} stroke="none" fill="var(--accent)" fillOpacity={0.15} connectNulls={false} />}
              <Line dataKey="value" name={spec.title} isAnimationActive={false} dot={false} stroke="var(--accent)" strokeWidth={1.5} connectNulls={false} />
              {lines.map((l) => (
                <ReferenceLine key={l.label} y={l.value} ifOverflow="extendDomain" stroke="var(--warning)" strokeDasharray="4 3" label={{ value: l.label, position: 'insideTopRight', fontSize: 10, fill: 'var(--text-muted)' }} />
              ))}
              {drag && drag.a !== drag.b && <ReferenceArea x1={drag.a} x2={drag.b} fill="var(--accent)" fillOpacity={0.12} />}
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  )
})
