import { spawnSync } from 'node:child_process'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Exposition {
  /** Metric family name → its `# TYPE` (counter, gauge, histogram…). */
  types: Map<string, string>
  samples: Sample[]
}

/**
 * Parse Prometheus text exposition (format 0.0.4) strictly enough that a malformed line fails the
 * test: `# HELP` / `# TYPE` lines and samples `name{label="value",…} number`.
 */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    const type = /^# TYPE ([a-zA-Z_:][\w:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type) {
      types.set(type[1], type[2])
      continue
    }
    if (line.startsWith('# HELP ')) continue
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!sample) throw new Error(`Not an exposition line: ${line}`)
    const labels: Record<string, string> = {}
    const body = sample[2] ?? ''
    const labelPattern = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)",?/gy
    let match: RegExpExecArray | null
    let end = 0
    while ((match = labelPattern.exec(body))) {
      labels[match[1]] = match[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
      end = labelPattern.lastIndex
    }
    if (end !== body.length) throw new Error(`Malformed labels: ${line}`)
    // Prometheus reads values as Go's ParseFloat does: `NaN` in any case (prom-client writes `Nan`), `±Inf`.
    const raw = sample[3]
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw.toLowerCase() === 'nan' ? NaN : Number(raw)
    if (Number.isNaN(value) && raw.toLowerCase() !== 'nan') throw new Error(`Malformed value: ${line}`)
    samples.push({ name: sample[1], labels, value })
  }
  return { types, samples }
}

/** The samples named `name` whose labels include `labels`. */
export function samplesOf(e: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
}

/** Every series name the exposition can hold: each family, and a histogram's `_bucket`, `_sum`, `_count`. */
export function seriesNames(e: Exposition): Set<string> {
  const names = new Set<string>()
  for (const [name, type] of e.types) {
    names.add(name)
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix)
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix)
  }
  return names
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan'])

/**
 * The metric names a PromQL expression selects: identifiers outside label matchers, ranges,
 * strings and `by (…)` clauses that are neither functions nor keywords.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ')
    .replace(/\b\d[\w.]*/g, ' ') // numbers and durations (`offset 5m`, `1e3`)
  const names = new Set<string>()
  for (const m of stripped.matchAll(/[a-zA-Z_:][\w:]*(?=\s*(\(?))/g)) {
    if (m[1] === '(' || PROMQL_WORDS.has(m[0].toLowerCase())) continue
    names.add(m[0])
  }
  return [...names]
}

/**
 * `promtool` (Debian's `prometheus` package) on this machine, or null. Outside CI a missing
 * promtool skips its checks with a loud message; in CI (`CI` set) the check runs and fails.
 */
export function findPromtool(): string | null {
  const found = spawnSync('promtool', ['--version'], { encoding: 'utf8' })
  if (found.status === 0) return 'promtool'
  if (!process.env.CI) {
    process.stderr.write('\n⚠️  promtool is not installed: `promtool check metrics` is SKIPPED. Install it: apt-get install prometheus (CI installs it and fails without it).\n\n')
  }
  return null
}

/** `promtool check metrics` on an exposition: its exit status and what it said. */
export function promtoolCheck(text: string): { status: number | null; output: string; error?: Error } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error }
}
