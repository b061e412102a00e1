import type { z } from 'zod'

export interface CliShape {
  /** Command words; defaults to the operation name split on dots and kebab-cased. */
  command?: string[]
  /** Input keys given as positional arguments, in order. */
  positional?: string[]
  /** One-letter or alternative flags: input key → alias. */
  aliases?: Record<string, string>
}

/** One operation of the contract: declared once, served by every adapter. */
export interface OperationDef<I extends z.ZodObject = z.ZodObject, O extends z.ZodType = z.ZodType> {
  summary: string
  input: I
  output: O
  /** Whether it changes state (used by the UI to refresh and by adapters for logging). */
  mutates: boolean
  cli?: CliShape | false
}

export function defineOperation<I extends z.ZodObject, O extends z.ZodType>(def: OperationDef<I, O>): OperationDef<I, O> {
  return def
}
