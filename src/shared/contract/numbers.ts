import { z } from 'zod'

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/**
 * A number that may also arrive as text (a setting typed on the command line, `warden config set
 * maxVRAM 2048`): only a whole decimal number is read. `null`, `true`, `[]` and `""` are refused,
 * never taken as 0 or 1 the way `z.coerce.number()` would.
 */
export function numberOrNumericText<T extends z.ZodNumber>(schema: T) {
  return z.preprocess((v) => (typeof v === 'string' && DECIMAL.test(v.trim()) ? Number(v) : v), schema)
}
