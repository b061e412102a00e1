/**
 * Grammars for `response_format`, built in the worker (a grammar belongs to its Llama instance) and
 * kept per schema: building one costs milliseconds to seconds, and clients send the same schema with
 * every request.
 */
import type { Llama, LlamaGrammar } from 'node-llama-cpp'
import { WardenError } from '../../shared/errors'
import type { ResponseGrammar } from '../services/workers/protocol'

/** Grammars kept (least recently used ones go first). */
const KEEP = 32
/** Characters of a schema's JSON: the caller bounds schemas far below this; a defence, not the limit. */
const MAX_SCHEMA_CHARS = 256 * 1024

export class GrammarCache {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>()

  get(llama: Llama, spec: ResponseGrammar): Promise<LlamaGrammar> {
    const key = spec.kind === 'json' ? 'json' : JSON.stringify(spec.schema)
    if (key.length > MAX_SCHEMA_CHARS) throw new WardenError('INVALID_INPUT', `The JSON schema is too large (${key.length} characters of JSON)`)
    let grammar = this.grammars.get(key)
    if (grammar) {
      // Most recently used last.
      this.grammars.delete(key)
      this.grammars.set(key, grammar)
      return grammar
    }
    grammar = (spec.kind === 'json' ? llama.getGrammarFor('json') : llama.createGrammarForJsonSchema(spec.schema as unknown as Readonly<{ type: 'object' }>)).catch((error: unknown) => {
      throw new WardenError('INVALID_INPUT', `llama.cpp could not build a grammar for the JSON schema: ${(error as Error).message}`)
    })
    // A schema that failed is tried again next time (and its rejection is the caller's to handle).
    grammar.catch(() => this.grammars.delete(key))
    this.grammars.set(key, grammar)
    while (this.grammars.size > KEEP) this.grammars.delete(this.grammars.keys().next().value!)
    return grammar
  }

  /** Forget every grammar (the model was unloaded). */
  clear(): void {
    this.grammars.clear()
  }

  get size(): number {
    return this.grammars.size
  }
}
