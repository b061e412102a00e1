import { createTwoFilesPatch } from 'diff'
import type { PatchChange } from '../../../shared/contract/domains/healing'

/** A value on lines of its own: scalars as JSON on one line, objects (a genome) indented. */
function valueLines(key: string, value: unknown): string[] {
  if (value === undefined) return []
  const text = JSON.stringify(value, null, 2) ?? String(value)
  const [first, ...rest] = text.split('\n')
  return [`${key}: ${first}`, ...rest.map((l) => `  ${l}`)]
}

function linesDiff(label: string, before: string[], after: string[]): string {
  const text = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '')
  return createTwoFilesPatch(label, label, text(before), text(after), undefined, undefined, { context: 3 }).replace(/^(Index: .*\n)?=+\n/, '')
}

const workerActions: Record<string, string> = {
  recycle: 'checkpoint its personas, then restart its worker',
  restart: 'restart its worker',
  pin: 'pin it (never paged out)',
  unpin: 'unpin it (may be paged out again)',
}

const moduleActions: Record<string, (version?: string) => string> = {
  hibernate: () => 'hibernate it (lossless; wake it again with one click)',
  'hibernate-tree': () => 'hibernate it with every module that depends on it (lossless)',
  wake: () => 'wake its newest hibernated version',
  'wake-version': (v) => `wake its hibernated version ${v ?? '(newest)'} in place of the active one (the active one is hibernated first)`,
}

/** A change as the unified diff a person reads before approving it (settings and actions too). */
export function describeChange(change: PatchChange): string {
  switch (change.kind) {
    case 'module-diff':
      return change.diff
    case 'settings':
      return linesDiff(
        'settings',
        change.changes.flatMap((c) => valueLines(c.key, c.from)),
        change.changes.flatMap((c) => valueLines(c.key, c.to)),
      )
    case 'persona': {
      const parts: string[] = []
      const entries = Object.entries(change.settings ?? {})
      if (entries.length) {
        parts.push(
          linesDiff(
            `persona ${change.persona} settings`,
            entries.flatMap(([k, v]) => valueLines(k, v.from)),
            entries.flatMap(([k, v]) => valueLines(k, v.to)),
          ),
        )
      }
      if (change.checkpoint) {
        parts.push(linesDiff(`persona ${change.persona}`, ['conversation, system prompt and settings: as they are now'], [`conversation, system prompt and settings: as in checkpoint ${change.checkpoint}`]))
      }
      return parts.join('')
    }
    case 'worker-action':
      return linesDiff(`worker ${change.model}`, [], [`${change.action} ${change.model}: ${workerActions[change.action]}`])
    case 'module-action':
      return linesDiff(`module ${change.module}`, [], [`${change.action} ${change.module}: ${moduleActions[change.action](change.version)}`])
  }
}
