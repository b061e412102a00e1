/**
 * A client's JSON Schema (a tool's `parameters`, a `response_format` schema) turned into the subset
 * node-llama-cpp builds grammars from (GbnfJsonSchema), checked and bounded before any worker sees it:
 * any web page can reach the endpoint, and a huge, deeply nested or recursive schema must cost a
 * refusal, not a worker.
 *
 * Kept: type (one or several), const, enum, oneOf, properties, additionalProperties, min/maxProperties,
 * items, prefixItems, min/maxItems, min/maxLength, format date-time/date/time, description, $ref to
 * `#/$defs/…` or `#/definitions/…` (inlined; a recursive one is refused).
 * Loosened (the answer still matches the schema): `anyOf` is generated as exactly one alternative,
 * every property is generated (`required` does not matter), an object without `properties` takes any
 * properties (one with `properties` only those), other string formats are plain strings, a schema without a type is any JSON value.
 * Not enforced (the grammar cannot express them; the value may fall outside): minimum, maximum,
 * exclusiveMinimum, exclusiveMaximum, multipleOf.
 * Refused (400 naming the keyword): pattern, patternProperties, propertyNames, allOf with several
 * schemas, not, if/then/else, dependentRequired, dependentSchemas, contains, uniqueItems,
 * unevaluatedProperties, unevaluatedItems, other $refs.
 */
import type { JsonSchema } from '../services/workers/protocol'

export const SCHEMA_LIMITS = {
  /** Characters of the schema's JSON. */
  maxChars: 64 * 1024,
  /**
   * Characters of the schema once its $refs are inlined (counted as they are inlined: keys,
   * descriptions, enum and const values, and a few for each schema's own keywords). A small schema
   * whose definitions refer to each other can grow a thousandfold when inlined, and a tool's
   * schema, descriptions included, goes into the prompt.
   */
  maxOutputChars: 64 * 1024,
  /** Nesting of schemas (with $refs inlined). */
  maxDepth: 16,
  /** Schemas in all, with $refs inlined: bounds the grammar a schema makes. */
  maxNodes: 2000,
  /** Values of one enum, properties of one object, alternatives of one oneOf. */
  maxEntries: 256,
} as const

const REFUSED = ['pattern', 'patternProperties', 'propertyNames', 'not', 'if', 'then', 'else', 'dependentRequired', 'dependentSchemas', 'dependencies', 'contains', 'minContains', 'maxContains', 'uniqueItems', 'unevaluatedProperties', 'unevaluatedItems', '$dynamicRef', '$recursiveRef']
const BASIC = new Set(['string', 'number', 'integer', 'boolean', 'null'])
const FORMATS = new Set(['date-time', 'date', 'time'])
const ANY: JsonSchema = { oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'object', additionalProperties: true }, { type: 'array' }] }

/** A schema the endpoint cannot use; `path` locates the keyword (e.g. `properties.city.pattern`). */
export class SchemaError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message)
  }
}

type Json = { [key: string]: unknown }
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Characters counted for a schema's own keywords (`{"type":"object",…}`), beyond its keys and texts. */
const NODE_CHARS = 16

class Converter {
  private nodes = 0
  private chars = 0
  private readonly defs: Json

  constructor(root: Json) {
    this.defs = { ...(isObject(root.definitions) ? root.definitions : {}), ...(isObject(root.$defs) ? root.$defs : {}) }
  }

  convert(schema: unknown, path: string, depth: number, refs: string[]): JsonSchema {
    const at = (key: string) => (path ? `${path}.${key}` : key)
    if (schema === true) return ANY
    if (!isObject(schema)) throw new SchemaError('a schema must be an object', path || '(root)')
    if (++this.nodes > SCHEMA_LIMITS.maxNodes) throw new SchemaError(`the schema holds more than ${SCHEMA_LIMITS.maxNodes} schemas (counting each $ref where it is used)`, path || '(root)')
    if (depth > SCHEMA_LIMITS.maxDepth) throw new SchemaError(`the schema nests deeper than ${SCHEMA_LIMITS.maxDepth} levels`, path)
    this.grow(NODE_CHARS, path)
    for (const key of REFUSED) if (key in schema) throw new SchemaError(`"${key}" is not supported (a grammar cannot enforce it)`, at(key))
    const description = typeof schema.description === 'string' ? { description: schema.description } : {}
    if (description.description) this.grow(description.description.length, at('description'))

    if ('$ref' in schema) {
      const ref = schema.$ref
      const name = typeof ref === 'string' ? /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref)?.[1] : undefined
      if (name === undefined) throw new SchemaError(`only "$ref"s to "#/$defs/<name>" are supported, not ${JSON.stringify(ref)}`, at('$ref'))
      if (!(name in this.defs)) throw new SchemaError(`"$ref" ${JSON.stringify(ref)} names no definition`, at('$ref'))
      if (refs.includes(name)) throw new SchemaError(`"$ref" ${JSON.stringify(ref)} is recursive, which is not supported`, at('$ref'))
      return { ...this.convert(this.defs[name], `$defs.${name}`, depth + 1, [...refs, name]), ...description }
    }
    if ('const' in schema) return { const: this.primitive(schema.const, at('const')), ...description }
    if ('enum' in schema) {
      if (!Array.isArray(schema.enum) || schema.enum.length === 0) throw new SchemaError('"enum" must be a non-empty array', at('enum'))
      this.entries(schema.enum.length, at('enum'))
      return { enum: schema.enum.map((v, i) => this.primitive(v, at(`enum[${i}]`))), ...description }
    }
    if ('allOf' in schema) {
      if (!Array.isArray(schema.allOf) || schema.allOf.length !== 1) throw new SchemaError('"allOf" with more than one schema is not supported', at('allOf'))
      return { ...this.convert(schema.allOf[0], at('allOf[0]'), depth + 1, refs), ...description }
    }
    for (const key of ['oneOf', 'anyOf'] as const) {
      if (!(key in schema)) continue
      const options = schema[key]
      if (!Array.isArray(options) || options.length === 0) throw new SchemaError(`"${key}" must be a non-empty array`, at(key))
      this.entries(options.length, at(key))
      return { oneOf: options.map((o, i) => this.convert(o, at(`${key}[${i}]`), depth + 1, refs)), ...description }
    }

    const type = schema.type
    if (type === undefined) return { ...ANY, ...description }
    const types = Array.isArray(type) ? type : [type]
    if (types.length === 0) throw new SchemaError('"type" must name at least one type', at('type'))
    for (const t of types) if (typeof t !== 'string' || !(BASIC.has(t) || t === 'object' || t === 'array')) throw new SchemaError(`unknown type ${JSON.stringify(t)}`, at('type'))
    if (types.length > 1) {
      const basic = types.filter((t) => BASIC.has(t as string) && !(t === 'string' && ('minLength' in schema || 'maxLength' in schema || 'format' in schema)))
      const others = types.filter((t) => !basic.includes(t))
      if (!others.length) return { type: basic, ...description }
      const options = [...(basic.length ? [{ type: basic }] : []), ...others.map((t) => this.convert({ ...schema, type: t }, path, depth, refs))]
      return { oneOf: options, ...description }
    }
    switch (types[0]) {
      case 'string': {
        const out: JsonSchema = { type: 'string', ...description }
        if (typeof schema.format === 'string' && FORMATS.has(schema.format)) return { ...out, format: schema.format }
        for (const key of ['minLength', 'maxLength'] as const) if (key in schema) out[key] = this.count(schema[key], at(key))
        return out
      }
      case 'object': {
        const out: JsonSchema = { type: 'object', ...description }
        const properties = schema.properties
        if (properties !== undefined && !isObject(properties)) throw new SchemaError('"properties" must be an object', at('properties'))
        const names = Object.keys(properties ?? {})
        this.entries(names.length, at('properties'))
        for (const n of names) this.grow(n.length + 4, at(`properties.${n}`))
        if (names.length) out.properties = Object.fromEntries(names.map((n) => [n, this.convert(properties![n], at(`properties.${n}`), depth + 1, refs)]))
        const extra = schema.additionalProperties
        if (isObject(extra)) out.additionalProperties = this.convert(extra, at('additionalProperties'), depth + 1, refs)
        else out.additionalProperties = typeof extra === 'boolean' ? extra : properties === undefined
        for (const key of ['minProperties', 'maxProperties'] as const) if (key in schema) out[key] = this.count(schema[key], at(key))
        return out
      }
      case 'array': {
        const out: JsonSchema = { type: 'array', ...description }
        if (schema.items === false) {
          if (!Array.isArray(schema.prefixItems)) throw new SchemaError('"items": false needs "prefixItems"', at('items'))
        } else if (schema.items !== undefined && schema.items !== true) {
          if (Array.isArray(schema.items)) throw new SchemaError('"items" as an array (old tuple form) is not supported: use "prefixItems"', at('items'))
          out.items = this.convert(schema.items, at('items'), depth + 1, refs)
        }
        if (schema.prefixItems !== undefined) {
          if (!Array.isArray(schema.prefixItems)) throw new SchemaError('"prefixItems" must be an array', at('prefixItems'))
          this.entries(schema.prefixItems.length, at('prefixItems'))
          out.prefixItems = schema.prefixItems.map((s, i) => this.convert(s, at(`prefixItems[${i}]`), depth + 1, refs))
          if (schema.items === false) out.maxItems = schema.prefixItems.length
        }
        for (const key of ['minItems', 'maxItems'] as const) if (key in schema) out[key] = this.count(schema[key], at(key))
        return out
      }
      default:
        return { type: types[0], ...description }
    }
  }

  private primitive(v: unknown, path: string): string | number | boolean | null {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      this.grow(typeof v === 'string' ? v.length + 2 : String(v).length, path)
      return v
    }
    throw new SchemaError('only strings, numbers, booleans and null are supported here', path)
  }

  /** Adds to the characters of the converted schema; refuses past maxOutputChars (before they are all made). */
  private grow(chars: number, path: string): void {
    this.chars += chars
    if (this.chars > SCHEMA_LIMITS.maxOutputChars) {
      throw new SchemaError(`the schema is more than ${SCHEMA_LIMITS.maxOutputChars.toLocaleString('en-US')} characters once its "$ref"s are inlined (each use of a definition counts)`, path || '(root)')
    }
  }

  private count(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100_000) throw new SchemaError('must be a whole number from 0 to 100,000', path)
    return v
  }

  private entries(n: number, path: string): void {
    if (n > SCHEMA_LIMITS.maxEntries) throw new SchemaError(`at most ${SCHEMA_LIMITS.maxEntries} entries are supported, this one has ${n}`, path)
  }
}

/** The schema as node-llama-cpp takes it; throws SchemaError naming the keyword that cannot be used. */
export function toGrammarSchema(schema: unknown): JsonSchema {
  let chars: number
  try {
    chars = JSON.stringify(schema)?.length ?? 0
  } catch {
    // Nested beyond the stack (a body of a few MB can nest a million levels).
    throw new SchemaError(`the schema nests deeper than ${SCHEMA_LIMITS.maxDepth} levels`, '(root)')
  }
  if (chars > SCHEMA_LIMITS.maxChars) throw new SchemaError(`the schema is ${chars.toLocaleString('en-US')} characters of JSON; at most ${SCHEMA_LIMITS.maxChars.toLocaleString('en-US')} are supported`, '(root)')
  if (!isObject(schema)) throw new SchemaError('a schema must be an object', '(root)')
  return new Converter(schema).convert(schema, '', 0, [])
}
