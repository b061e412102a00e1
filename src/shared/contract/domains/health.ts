import { z } from 'zod'
import { defineDomain, defineOperation } from '../operation'

/** Dimensions of a basin coordinate vector (the seeds' 64). */
export const BASIN_DIMENSIONS = 64

/** A health source's name: a persona (`persona:NAME`), a model's worker (`model:ID`) or an external system. */
export const HealthSourceName = z
  .string()
  .trim()
  .min(1, 'a source name is required')
  .max(128, 'a source name is at most 128 characters')
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._:/@-]*$/u, 'a source name uses letters, digits, spaces and . _ : / @ -, and starts with a letter or digit')

const finite = (what: string) => z.number({ error: `${what} must be a number` }).refine(Number.isFinite, `${what} must be a finite number (not NaN or Infinity)`)
const unit = (what: string) => finite(what).pipe(z.number().min(0, `${what} is at least 0`).max(1, `${what} is at most 1`))

/**
 * A snapshot pushed by an external system: the body of the seeds' `POST /api/self-healing/snapshot`
 * (seed 004), snake_case as there, plus an optional `source` (default "external") and optional
 * operational figures. Nothing invalid is stored: NaN, a wrong number of basin coordinates or a
 * value out of its range is refused naming the field.
 */
export const SnapshotInput = z.object({
  source: HealthSourceName.optional(),
  phi: unit('phi'),
  kappa_eff: finite('kappa_eff').pipe(z.number().min(0, 'kappa_eff is at least 0').max(10_000, 'kappa_eff is at most 10000')),
  basin_coords: z
    .array(finite('every basin coordinate'), { error: 'basin_coords must be an array of 64 numbers' })
    .length(BASIN_DIMENSIONS, `basin_coords must hold exactly ${BASIN_DIMENSIONS} numbers`),
  confidence: unit('confidence').optional(),
  surprise: unit('surprise').optional(),
  agency: unit('agency').optional(),
  /** Optional operational figures a system may add. */
  latency_ms: finite('latency_ms').pipe(z.number().min(0).max(86_400_000)).optional(),
  error_rate: unit('error_rate').optional(),
  tokens_per_second: finite('tokens_per_second').pipe(z.number().min(0).max(1e7)).optional(),
  memory_bytes: finite('memory_bytes').pipe(z.number().min(0).max(2 ** 53)).optional(),
  /** Milliseconds since 1970; default now. At most 5 minutes ahead of the receiving machine's clock, and within healthRetentionDays. */
  timestamp: finite('timestamp').pipe(z.number().int().min(0)).optional(),
})
export type SnapshotInput = z.input<typeof SnapshotInput>

export const HealthStatus = z.enum(['normal', 'warning', 'critical', 'unknown'])
export type HealthStatus = z.infer<typeof HealthStatus>
export const SourceKind = z.enum(['persona', 'model', 'external'])
export type SourceKind = z.infer<typeof SourceKind>
/**
 * The output's regime from Φ (docs/health-metrics.md): `uncertain` below the lower threshold,
 * `stable` between, `breakdown` above the upper one (degenerate, repetitive output).
 */
export const Regime = z.enum(['uncertain', 'stable', 'breakdown', 'unknown'])
export type Regime = z.infer<typeof Regime>

/** The metrics a snapshot and a chart carry (null where the source does not measure it). */
export const HealthMetricName = z.enum([
  'phi', 'kappa', 'drift', 'confidence', 'surprise', 'agency',
  'latencyMs', 'ttftMs', 'tokensPerSecond', 'errorRate', 'queueWaitMs', 'memoryBytes', 'restarts',
])
export type HealthMetricName = z.infer<typeof HealthMetricName>
export const healthMetricNames = HealthMetricName.options

/** One stored snapshot of a source. */
export const HealthSnapshot = z.object({
  source: z.string(),
  kind: SourceKind,
  at: z.number(),
  phi: z.number().nullable(),
  kappa: z.number().nullable(),
  /** Fisher–Rao distance arccos(b · b0) to the baseline, radians in [0, π]; null without a baseline or basin. */
  drift: z.number().nullable(),
  confidence: z.number().nullable(),
  surprise: z.number().nullable(),
  agency: z.number().nullable(),
  latencyMs: z.number().nullable(),
  ttftMs: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  /** Failed generations / generations in the snapshot's interval, 0–1. */
  errorRate: z.number().nullable(),
  queueWaitMs: z.number().nullable(),
  memoryBytes: z.number().nullable(),
  restarts: z.number().nullable(),
  status: HealthStatus,
})
export type HealthSnapshot = z.infer<typeof HealthSnapshot>

/** A threshold a source crosses: what, how far, since when, and what to look at. */
export const HealthIssue = z.object({
  metric: z.enum(['phi_low', 'phi_high', 'drift', 'error_rate', 'latency']),
  severity: z.enum(['warning', 'critical']),
  value: z.number(),
  threshold: z.number(),
  since: z.number(),
  message: z.string(),
})
export type HealthIssue = z.infer<typeof HealthIssue>

/** Slope of a metric over the detection window, per hour (null with too few points). */
export const HealthTrends = z.record(z.string(), z.number().nullable())

export const SourceHealth = z.object({
  source: z.string(),
  kind: SourceKind,
  status: HealthStatus,
  regime: Regime,
  /** The latest snapshot's figures. */
  latest: HealthSnapshot.nullable(),
  /** Snapshots in the detection window (at most 1,000). */
  windowSize: z.number(),
  /** When the window's oldest snapshot was taken: trends are slopes over the span from it to the latest. */
  windowFrom: z.number().nullable().optional(),
  baseline: z.object({ setAt: z.number(), from: z.string() }).nullable(),
  issues: z.array(HealthIssue),
  trends: HealthTrends,
})
export type SourceHealth = z.infer<typeof SourceHealth>

export const HealthSummary = z.object({
  /** The worst status of all sources (`unknown` when there are none). */
  status: HealthStatus,
  sources: z.array(SourceHealth),
  at: z.number(),
})
export type HealthSummary = z.infer<typeof HealthSummary>

/** One point of a chart: the mean of the bucket (a raw snapshot at `raw`), with min and max where rolled up. */
export const HealthPoint = z.object({
  at: z.number(),
  count: z.number(),
  values: z.record(z.string(), z.number().nullable()),
  min: z.record(z.string(), z.number().nullable()).optional(),
  max: z.record(z.string(), z.number().nullable()).optional(),
})
export type HealthPoint = z.infer<typeof HealthPoint>

/** When: milliseconds since 1970, an ISO date, or a span back from now (`15m`, `1h`, `7d`). */
export const TimeRef = z.union([z.number().int().min(0), z.string().trim().min(1).max(40)])

export const healthOperations = defineDomain(
  { runsIn: 'app' },
  {
    'health.summary': defineOperation({
      summary: 'Every source’s health: status, Φ, κ, drift, error rate, latency (--watch: again on every change)',
      input: z.object({ watch: z.boolean().default(false) }),
      output: HealthSummary,
      mutates: false,
      cli: { command: ['health'] },
    }),
    'health.history': defineOperation({
      summary: 'A source’s snapshots over time, downsampled to at most --points points (rolled up past a few thousand)',
      input: z.object({
        source: HealthSourceName,
        since: TimeRef.default('1h'),
        until: TimeRef.optional(),
        points: z.number().int().min(2).max(5000).default(500),
      }),
      output: z.object({ source: z.string(), since: z.number(), until: z.number(), resolution: z.enum(['raw', 'minute', 'hour']), points: z.array(HealthPoint) }),
      mutates: false,
      cli: { command: ['health', 'history'] },
    }),
    'health.baseline': defineOperation({
      summary: 'Set a source’s baseline basin (drift is measured from it): from its last N snapshots (default: all in the window), or coordinates given',
      input: z.object({
        source: HealthSourceName,
        fromLast: z.number().int().min(1).max(1000).optional(),
        /** Basin coordinates to use as they are (the seeds' POST /baseline with basin_coords). */
        basin: z.array(finite('every basin coordinate')).length(BASIN_DIMENSIONS, `basin must hold exactly ${BASIN_DIMENSIONS} numbers`).optional(),
      }),
      output: z.object({ source: z.string(), snapshots: z.number(), setAt: z.number() }),
      mutates: true,
      cli: { command: ['health', 'baseline'] },
    }),
    'health.degradation': defineOperation({
      summary: 'What is degraded now: every source’s active issues (all sources, or one)',
      input: z.object({ source: HealthSourceName.optional() }),
      output: z.object({ degraded: z.boolean(), issues: z.array(HealthIssue.extend({ source: z.string() })) }),
      mutates: false,
      cli: { command: ['health', 'degradation'] },
    }),
    'health.snapshot': defineOperation({
      summary: 'Record a snapshot pushed by an external system (the seeds’ POST /api/self-healing/snapshot)',
      input: SnapshotInput,
      output: z.object({ source: z.string(), at: z.number(), status: HealthStatus, drift: z.number().nullable() }),
      mutates: true,
      cli: false,
    }),
  },
)
