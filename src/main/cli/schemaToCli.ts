import type { z } from 'zod'

export type FieldKind = 'string' | 'number' | 'boolean' | 'array' | 'json'

export interface CliField {
  key: string
  flag: string
  kind: FieldKind
  /** An array's items: what each repeated `--flag value` is parsed as. */
  element?: Exclude<FieldKind, 'array'>
  required: boolean
}

interface DefLike {
  type: string
  innerType?: z.ZodType
  /** An array's item schema. */
  element?: z.ZodType
}

function defOf(schema: z.ZodType): DefLike {
  return (schema as unknown as { _zod: { def: DefLike } })._zod.def
}

/** `withDependents` → `with-dependents`. */
export function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

function kindOf(def: DefLike): FieldKind {
  return def.type === 'boolean' ? 'boolean' : def.type === 'number' ? 'number' : def.type === 'array' ? 'array' : def.type === 'object' ? 'json' : 'string'
}

/** Describe an operation's input object as CLI options: booleans are flags, arrays repeat, objects take JSON. */
export function fieldsOf(input: z.ZodObject): CliField[] {
  return Object.entries(input.shape).map(([key, schema]) => {
    let s = schema as z.ZodType
    let required = true
    for (;;) {
      const def = defOf(s)
      if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) {
        required = false
        s = def.innerType
        continue
      }
      const kind = kindOf(def)
      if (kind === 'array' && def.element) {
        const item = kindOf(defOf(def.element))
        return { key, flag: kebab(key), kind, element: item === 'array' ? 'json' : item, required }
      }
      return { key, flag: kebab(key), kind, required }
    }
  })
}
