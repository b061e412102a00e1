import { describe, expect, it } from 'vitest'
import { SCHEMA_LIMITS, SchemaError, toGrammarSchema } from './jsonSchema'

const refusal = (schema: unknown) => {
  try {
    toGrammarSchema(schema)
  } catch (error) {
    if (error instanceof SchemaError) return `${error.path}: ${error.message}`
    throw error
  }
  return 'accepted'
}

describe('JSON Schema to a grammar schema', () => {
  it('keeps what a grammar enforces, loosens what it cannot without breaking the schema, inlines $refs', () => {
    expect(
      toGrammarSchema({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: 'Order',
        type: 'object',
        properties: {
          id: { type: 'integer', minimum: 1 },
          size: { $ref: '#/$defs/size' },
          note: { type: ['string', 'null'] },
          when: { type: 'string', format: 'date' },
          email: { type: 'string', format: 'email', maxLength: 40 },
          either: { anyOf: [{ type: 'boolean' }, { const: 0 }] },
          items: { type: 'array', items: { $ref: '#/definitions/item' }, maxItems: 2 },
          anything: {},
        },
        required: ['id'],
        $defs: { size: { enum: ['S', 'M'] } },
        definitions: { item: { type: 'object' } },
      }),
    ).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        id: { type: 'integer' },
        size: { enum: ['S', 'M'] },
        note: { type: ['string', 'null'] },
        when: { type: 'string', format: 'date' },
        email: { type: 'string', maxLength: 40 },
        either: { oneOf: [{ type: 'boolean' }, { const: 0 }] },
        items: { type: 'array', items: { type: 'object', additionalProperties: true }, maxItems: 2 },
        anything: { oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'object', additionalProperties: true }, { type: 'array' }] },
      },
    })
    // Several types with an object among them: one alternative per type.
    expect(toGrammarSchema({ type: ['object', 'null'], properties: { a: { type: 'boolean' } } })).toEqual({
      oneOf: [{ type: ['null'] }, { type: 'object', properties: { a: { type: 'boolean' } }, additionalProperties: false }],
    })
  })

  it('refuses keywords a grammar cannot enforce, naming where they are', () => {
    expect(refusal({ type: 'object', properties: { code: { type: 'string', pattern: 'x' } } })).toBe('properties.code.pattern: "pattern" is not supported (a grammar cannot enforce it)')
    expect(refusal({ type: 'array', uniqueItems: true })).toBe('uniqueItems: "uniqueItems" is not supported (a grammar cannot enforce it)')
    expect(refusal({ allOf: [{ type: 'string' }, { maxLength: 3 }] })).toBe('allOf: "allOf" with more than one schema is not supported')
    expect(refusal({ $ref: 'https://example.com/schema.json' })).toMatch(/^\$ref: only "\$ref"s to "#\/\$defs\/<name>" are supported/)
    expect(refusal({ $ref: '#/$defs/missing' })).toBe('$ref: "$ref" "#/$defs/missing" names no definition')
    expect(refusal({ type: 'date' })).toBe('type: unknown type "date"')
    expect(refusal({ enum: [{ a: 1 }] })).toBe('enum[0]: only strings, numbers, booleans and null are supported here')
    expect(refusal({ type: 'string', maxLength: -1 })).toBe('maxLength: must be a whole number from 0 to 100,000')
    expect(refusal([])).toBe('(root): a schema must be an object')
  })

  it('refuses hostile schemas quickly: recursive, deeply nested, exploding through $refs, huge', () => {
    expect(refusal({ $ref: '#/$defs/a', $defs: { a: { type: 'object', properties: { b: { $ref: '#/$defs/b' } } }, b: { type: 'array', items: { $ref: '#/$defs/a' } } } })).toMatch(
      /\$defs\.b\.items\.\$ref: "\$ref" "#\/\$defs\/a" is recursive/,
    )
    let deep: unknown = { type: 'string' }
    for (let i = 0; i < 100_000; i++) deep = { type: 'array', items: deep }
    // Too deep for JSON.stringify to measure it: refused all the same, not a crash.
    expect(refusal(deep)).toBe('(root): the schema nests deeper than 16 levels')
    let nested: unknown = { type: 'string' }
    for (let i = 0; i < 20; i++) nested = { type: 'array', items: nested }
    expect(refusal(nested)).toMatch(/nests deeper than 16 levels/)
    // Each level uses the one below six times: 6^6 schemas once inlined, from a few hundred bytes.
    const defs: Record<string, unknown> = { l0: { type: 'boolean' } }
    const uses = (i: number) => Object.fromEntries('abcdef'.split('').map((k) => [k, { $ref: `#/$defs/l${i - 1}` }]))
    for (let i = 1; i <= 6; i++) defs[`l${i}`] = { type: 'object', properties: uses(i) }
    expect(refusal({ $ref: '#/$defs/l6', $defs: defs })).toMatch(`more than ${SCHEMA_LIMITS.maxNodes} schemas`)
    // 40 KB of description used 30 × 30 times: 36 MB once inlined, from 41 KB. Refused as it grows, not once made.
    const desc = 'x'.repeat(40_000)
    const thirty = (ref: string) => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`p${i}`, { $ref: ref }]))
    const amplified = { type: 'object', properties: thirty('#/$defs/o'), $defs: { e: { type: 'string', description: desc }, o: { type: 'object', properties: thirty('#/$defs/e') } } }
    expect(JSON.stringify(amplified).length).toBeLessThan(SCHEMA_LIMITS.maxChars)
    expect(refusal(amplified)).toBe('$defs.e.description: the schema is more than 65,536 characters once its "$ref"s are inlined (each use of a definition counts)')
    // The same with enums and property names in place of descriptions.
    const values = Array.from({ length: 200 }, (_, i) => `a rather long enum value number ${i}`)
    const enums = { type: 'object', properties: thirty('#/$defs/e'), $defs: { e: { enum: values } } }
    expect(refusal(enums)).toMatch(/^\$defs\.e\.enum\[\d+\]: the schema is more than 65,536 characters once/)
    // What is converted stays within the bound (JSON of the result, its structure included).
    const used = toGrammarSchema({ type: 'object', properties: thirty('#/$defs/e'), $defs: { e: { type: 'string', description: 'y'.repeat(2000) } } })
    expect(JSON.stringify(used).length).toBeGreaterThan(60_000)
    expect(JSON.stringify(used).length).toBeLessThanOrEqual(SCHEMA_LIMITS.maxOutputChars)
    const wide = { type: 'object', properties: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`p${i}`, { type: 'boolean' }])) }
    expect(refusal(wide)).toBe('properties: at most 256 entries are supported, this one has 300')
    expect(refusal({ enum: Array.from({ length: 20_000 }, (_, i) => `value number ${i}`) })).toMatch(/^\(root\): the schema is [\d,]+ characters of JSON; at most 65,536/)
  })
})
