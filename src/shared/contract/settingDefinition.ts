import type { z } from 'zod'

/**
 * The groups of the Settings page, in the order it shows them; a group without settings is not
 * shown. A new setting names one of these (or a new one added here): the page needs no change.
 */
export const settingGroups = {
  Memory: 'How much memory loaded models may take, and each worker process.',
  Workers: 'The processes that run models: how many, their threads, when they stop.',
  Requests: 'How generations are queued, run side by side and timed out.',
  Models: 'Where models come from and where they are kept.',
  Conversations: 'What Warden keeps of the conversations with personas.',
  Checkpoints: 'Frozen persona states (conversation and context) that a persona resumes from exactly.',
  Modules: 'Hibernated modules and their archive.',
  Genome: 'LoRA adapters: the model that embeds their descriptions, and how personas choose them.',
  Healing: 'The self-healing loop, its sandbox, when a patch is good enough, and what the supervisor may do on its own.',
  Health: 'How often personas and models are measured, the thresholds that make a source degraded, and how long history is kept.',
} as const
export type SettingGroup = keyof typeof settingGroups

/**
 * How a setting is edited: a number field, an on/off switch, a folder path, a line of text, or "auto" or a number.
 * Each kind reads what a person types as the CLI does (`warden config set KEY TEXT`).
 */
export type SettingInput = 'number' | 'toggle' | 'path' | 'text' | 'autoOrNumber'

/** One setting: its value's schema and default, and what the Settings page shows of it. */
export interface SettingDefinition {
  schema: z.ZodType
  default: unknown
  /** One sentence: what it does and what its special values mean. Also the CLI's hint. */
  description: string
  /** Its name on the Settings page (the CLI and the API use its key). */
  label: string
  group: SettingGroup
  input: SettingInput
  /** What the number counts, shown beside the field and in errors: MB, minutes, ms, threads… */
  unit?: string
  /** What a value of 0 means ("detect", "never", "no limit"), shown instead of a bare 0. */
  zero?: string
  /** What an empty value means (a path left empty), shown in the empty field. */
  empty?: string
}

export type SettingCheck<T> = { ok: true; value: T } | { ok: false; problem: string }

/**
 * Checks a value for a setting against its schema, the same way in the renderer (before sending)
 * and in the host (before storing): a number may come as text. A refusal is one short phrase a
 * person can act on, "at least 1000 ms", where zod's own would say "Too small: expected number to
 * be >=1000"; a message the schema spells out itself is kept.
 */
export function checkSetting(def: Pick<SettingDefinition, 'schema' | 'unit'>, raw: unknown): SettingCheck<unknown> {
  const unit = def.unit ? ` ${def.unit}` : ''
  const result = def.schema.safeParse(raw, { error: (issue) => describeIssue(issue, unit) })
  if (result.success) return { ok: true, value: result.data }
  return { ok: false, problem: [...new Set(result.error.issues.map((i) => i.message))].join('; ') }
}

type Issue = z.core.$ZodRawIssue | z.core.$ZodIssue

function describeIssue(issue: Issue, unit: string): string | undefined {
  switch (issue.code) {
    case 'too_small':
      if (issue.origin !== 'number') return undefined
      return issue.inclusive ? `at least ${issue.minimum}${unit}` : `more than ${issue.minimum}${unit}`
    case 'too_big':
      if (issue.origin !== 'number') return undefined
      return issue.inclusive ? `at most ${issue.maximum}${unit}` : `less than ${issue.maximum}${unit}`
    case 'invalid_type':
    case 'invalid_value':
      return `give ${expected(issue)}`
    case 'invalid_union': {
      const options = issue.errors.flatMap((branch) => (branch[0] ? [expected(branch[0])] : []))
      return options.length ? `give ${[...new Set(options)].join(' or ')}` : undefined
    }
    default:
      return undefined
  }
}

/** What a refused value should have been, in words: "a whole number", "true or false", "auto". */
function expected(issue: Issue): string {
  if (issue.code === 'invalid_value') return issue.values.map(String).join(' or ')
  if (issue.code !== 'invalid_type') return 'another value'
  switch (issue.expected) {
    case 'int':
      return 'a whole number'
    case 'number':
      return 'a number'
    case 'boolean':
      return 'true or false'
    case 'string':
      return 'text'
    default:
      return `a ${issue.expected}`
  }
}
