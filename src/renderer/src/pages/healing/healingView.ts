import type { Fitness, Patch, Strategy } from '../../../../shared/contract/domains/healing'

/** The four parts of fitness, their weights and names (docs/health-metrics.md, "Fitness"). */
export const fitnessParts = [
  { key: 'phi', weight: 0.4, label: 'Φ improvement' },
  { key: 'basin', weight: 0.3, label: 'Basin correction' },
  { key: 'errors', weight: 0.2, label: 'Error reduction' },
  { key: 'quality', weight: 0.1, label: 'Code quality' },
] as const

export interface FitnessSegment {
  key: (typeof fitnessParts)[number]['key']
  label: string
  weight: number
  /** The part itself, in [0, 1]. */
  value: number
  /** What it adds to the score (weight × value): the segment's width as a fraction of the whole bar. */
  contribution: number
}

/** The fitness bar: one segment per part, each as wide as what it adds to the score. */
export function fitnessSegments(f: Fitness): FitnessSegment[] {
  return fitnessParts.map((p) => {
    const value = Math.min(1, Math.max(0, f.parts[p.key]))
    return { key: p.key, label: p.label, weight: p.weight, value, contribution: p.weight * value }
  })
}

export type DiffLineKind = 'add' | 'del' | 'hunk' | 'file' | 'context'

/** A unified diff's lines, each with what it is: added, removed, a hunk header, a file header, or context. */
export function diffLines(diff: string): Array<{ kind: DiffLineKind; text: string }> {
  const lines = diff.replace(/\n$/, '').split('\n')
  return lines.map((text) => {
    const kind: DiffLineKind = text.startsWith('+++') || text.startsWith('---') || text.startsWith('diff ') || text.startsWith('index ')
      ? 'file'
      : text.startsWith('@@')
        ? 'hunk'
        : text.startsWith('+')
          ? 'add'
          : text.startsWith('-')
            ? 'del'
            : 'context'
    return { kind, text }
  })
}

export interface PatchFilter {
  source: string | null
  strategy: Strategy | null
}

/** The queue as filtered by source and strategy, newest first. */
export function filterPatches(patches: readonly Patch[], filter: PatchFilter): Patch[] {
  return patches
    .filter((p) => (filter.source === null || p.source === filter.source) && (filter.strategy === null || p.strategy === filter.strategy))
    .sort((a, b) => b.createdAt - a.createdAt)
}

/** The sources and strategies present, for the filter's choices (sorted, once each). */
export function filterChoices(patches: readonly Patch[]): { sources: string[]; strategies: Strategy[] } {
  return {
    sources: [...new Set(patches.map((p) => p.source))].sort(),
    strategies: [...new Set(patches.map((p) => p.strategy))].sort(),
  }
}

export const recommendationLabel: Record<Fitness['recommendation'], string> = { apply: 'Apply', test_more: 'Test more', reject: 'Reject' }

function span(ms: number): string {
  const mins = Math.round(ms / 60_000)
  return mins < 120 ? `${mins} min` : `${Math.round(mins / 60)} h`
}

/** "4 min ago" / "just now" for a time in the past; the page's clock ticks every few seconds, so a moment ahead of it is "just now" too. */
export function timeAgo(at: number, now: number): string {
  const d = now - at
  return d < 60_000 ? 'just now' : `${span(d)} ago`
}

/** "in 4 min" / "within a minute" for a time ahead (the loop's next run). */
export function timeFromNow(at: number, now: number): string {
  const d = at - now
  return d < 60_000 ? 'within a minute' : `in ${span(d)}`
}
