import type { z } from 'zod'

export interface CliShape {
  /** Command words; defaults to the operation name split on dots and kebab-cased. */
  command?: string[]
  /** Input keys given as positional arguments, in order. */
  positional?: string[]
  /** One-letter or alternative flags: input key → alias. */
  aliases?: Record<string, string>
}

/**
 * Where an operation runs, which decides whether a caller (the CLI) hands it to a running Warden:
 * - `app`: in the Warden app or server running for this home when there is one, since it holds the
 *   live state (worker processes, the scheduler, downloads, running calls); in the caller's own
 *   process only when none runs. A CLI never starts a second scheduler beside a running app.
 * - `workspace`: in the caller's own process, on the workspace the caller names (the CLI's
 *   `--workspace`, default the current folder), opened for it; the workspace's lock serializes it
 *   with an app working on the same folder.
 * - `either`: needs neither live state nor a workspace, only the home's files and database (shared
 *   by every process): the caller runs it in its own process, with or without a running Warden.
 */
export type RunsIn = 'app' | 'workspace' | 'either'

/**
 * Whether an input field holds a path of the caller's file system: always (`true`), or depending on
 * the rest of the input, e.g. a setting's value when the setting is a folder. The predicate sees the
 * input as the caller gave it, before validation.
 */
export type PathRule = true | ((input: Readonly<Record<string, unknown>>) => boolean)

/** One operation of the contract: declared once, served by every adapter. */
export interface OperationDef<I extends z.ZodObject = z.ZodObject, O extends z.ZodType = z.ZodType> {
  summary: string
  input: I
  output: O
  /** Whether it changes state (used by the UI to refresh and by adapters for logging). */
  mutates: boolean
  cli?: CliShape | false
  /** Where it runs (see `RunsIn`). Defaults to its domain's `runsIn` (`defineDomain`). */
  runsIn?: RunsIn
  /**
   * Input fields that are paths of the caller's file system: the caller makes them absolute against
   * its own current folder before the input leaves it (a running Warden has another current folder).
   * Only non-empty text is touched. Defaults to none.
   */
  paths?: { readonly [K in keyof z.input<I> & string]?: PathRule }
}

export function defineOperation<I extends z.ZodObject, O extends z.ZodType>(def: OperationDef<I, O>): OperationDef<I, O> {
  return def
}

/** An operation as a domain publishes it: where it runs is always known. */
export type DomainOperation<D extends OperationDef = OperationDef> = D & { runsIn: RunsIn }

/** A domain's operations by name. */
export type DomainOperations = Record<string, DomainOperation>

/**
 * One domain of the contract (models, personas, …): its operations, each running where the domain
 * says unless the operation says otherwise.
 */
export function defineDomain<const T extends Record<string, OperationDef>>(defaults: { runsIn: RunsIn }, ops: T): { [K in keyof T]: DomainOperation<T[K]> } {
  return Object.fromEntries(Object.entries(ops).map(([name, def]) => [name, { ...def, runsIn: def.runsIn ?? defaults.runsIn }])) as { [K in keyof T]: DomainOperation<T[K]> }
}

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never

/** Several domains as one contract, in the order given (the CLI's help and `/api/ops` list them so). */
export function composeDomains<const D extends readonly DomainOperations[]>(...domains: D): { [K in keyof UnionToIntersection<D[number]>]: UnionToIntersection<D[number]>[K] } {
  const all: DomainOperations = {}
  for (const domain of domains) {
    for (const [name, def] of Object.entries(domain)) {
      if (Object.prototype.hasOwnProperty.call(all, name)) throw new Error(`The operation ${name} is declared by two domains`)
      all[name] = def
    }
  }
  return all as { [K in keyof UnionToIntersection<D[number]>]: UnionToIntersection<D[number]>[K] }
}

/** The input fields that hold the caller's paths, by the operation's `paths`: set to non-empty text, and their rule holds. */
export function pathFieldsOf(def: Pick<OperationDef, 'paths'>, input: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(def.paths ?? {}).flatMap(([key, rule]) => {
    const value = input[key]
    return typeof value === 'string' && value !== '' && rule !== undefined && (rule === true || rule(input)) ? [key] : []
  })
}
