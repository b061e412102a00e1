import type { z } from 'zod'
import { WardenError } from '../errors'
import { operations, type OperationName, type OperationParsedInput } from './operations'

/** Turns zod issues into one sentence a person can act on: "name: a module name is required". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? `${issue.path.join('.')}: ` : ''
      return `${where}${issue.message}`
    })
    .join('; ')
}

export function parseInput<K extends OperationName>(name: K, input: unknown): OperationParsedInput<K> {
  // No input at all is an empty one; `null`, a list or a string is not an input.
  const result = operations[name].input.safeParse(input === undefined ? {} : input)
  if (!result.success) {
    throw new WardenError('INVALID_INPUT', `Invalid input for ${name}: ${describeIssues(result.error)}`)
  }
  return result.data as OperationParsedInput<K>
}
