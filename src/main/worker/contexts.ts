/**
 * The worker's contexts, one per adapter set: the base context (no adapters) and a small LRU of
 * contexts made with LoRA adapters, each with its own sequences and their cached conversations.
 *
 * Why contexts per adapter set (measured on the tiny models, `BENCH_PART=adapters npm run bench --
 * inference`): node-llama-cpp applies adapters when it makes a context (`createContext({lora})`) and
 * has no public call to change them on a live one. Making a context with adapters takes ~2 ms (the
 * adapter's weights are loaded once per model and kept); a request whose set has no kept context
 * waits 5–9 ms more for its first token, one whose set has a kept context ~0.6 ms: far under the
 * seed's 500 ms. Swapping adapters on one context would also need every sequence's KV cache
 * (computed with the old adapters) cleared or saved and restored, so a persona going back to its
 * genome would evaluate its whole conversation again (4–30x slower to the first token on a 12-turn
 * chat, measured). With a context per adapter set, a sequence only ever holds
 * tokens evaluated with its own context's adapters: the output after a swap is exactly a fresh
 * context's, and personas with different genomes never touch each other's caches.
 *
 * Memory: each adapter context holds its own KV cache (`stateSize`, as large as the base context's);
 * at most `MAX_ADAPTER_CONTEXTS` are kept, the least recently used idle one is freed when another is
 * needed. Adapter weights stay loaded in the model until it is unloaded (node-llama-cpp frees them
 * only with the model): `adapterBytes` counts both, and the worker reports it in its stats.
 */
import { createHash } from 'node:crypto'
import { createReadStream, promises as fs } from 'node:fs'
import { isAbsolute } from 'node:path'
import type { LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp'
import { WardenError } from '../../shared/errors'
import type { AdapterRef } from '../services/workers/protocol'

/** Adapter contexts kept at once (besides the base context). */
export const MAX_ADAPTER_CONTEXTS = 4
/** Adapters in one set, at most. */
export const MAX_ADAPTERS_PER_SET = 16

export interface Slot {
  sequence: LlamaContextSequence
  busy: boolean
  /** The session whose conversation is in this sequence's cache. */
  sessionKey: string | null
  /** The conversation turn (counted from the session's first, `historyStart`) its cached window starts with. */
  windowStart: number | null
  lastUsed: number
}

/** One context and its sequences: a generation takes a free one, preferring its session's. */
export class ContextEntry {
  readonly slots: Slot[]
  private waiters: Array<() => void> = []
  /** Generations that picked this context and have not finished (it is not freed while they run). */
  users = 0
  lastUsed = 0

  constructor(
    readonly context: LlamaContext,
    readonly key: string,
    sequences: number,
  ) {
    this.slots = Array.from({ length: sequences }, () => ({ sequence: context.getSequence(), busy: false, sessionKey: null, windowStart: null, lastUsed: 0 }))
  }

  get busy(): number {
    return this.slots.filter((s) => s.busy).length
  }

  async takeSlot(sessionKey: string, signal: AbortSignal): Promise<Slot> {
    for (;;) {
      const free = this.slots.filter((s) => !s.busy)
      if (free.length) {
        const slot = free.find((s) => s.sessionKey === sessionKey) ?? free.sort((a, b) => a.lastUsed - b.lastUsed)[0]
        slot.busy = true
        return slot
      }
      await new Promise<void>((resolve, reject) => {
        this.waiters.push(resolve)
        signal.addEventListener('abort', () => reject(new WardenError('CANCELLED', 'The request was cancelled while waiting for a free sequence')), { once: true })
      })
    }
  }

  releaseSlot(slot: Slot, keepCache: boolean): void {
    slot.busy = false
    slot.lastUsed = keepCache ? Date.now() : 0
    this.waiters.shift()?.()
  }

  async dispose(): Promise<void> {
    this.waiters = []
    await this.context.dispose()
  }
}

/** Adapters sorted by path (so one set is one context whatever order it was given in), scales as given. */
export function canonicalAdapters(adapters: readonly AdapterRef[]): AdapterRef[] {
  return [...adapters].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.scale - b.scale))
}

/** The key of an adapter set: '' for none (the base context). */
export function adapterKey(adapters: readonly AdapterRef[] | undefined): string {
  if (!adapters?.length) return ''
  return JSON.stringify(canonicalAdapters(adapters).map((a) => [a.path, a.scale, a.sha256.toLowerCase()]))
}

function invalid(message: string, hint?: string): WardenError {
  return new WardenError('INVALID_INPUT', message, hint ? { hint } : undefined)
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * The adapter contexts of one model. `acquire` gives the context for an adapter set (making it if
 * needed), counted as in use until `release`.
 */
export class AdapterContexts {
  private readonly entries = new Map<string, Promise<ContextEntry>>()
  /** Adapter files loaded into the model (node-llama-cpp keeps them by path), with their hash and size. */
  private readonly loaded = new Map<string, { sha256: string; bytes: number }>()
  private readonly settled = new Map<string, ContextEntry>()

  constructor(
    private readonly model: LlamaModel,
    private readonly options: { contextSize: number; sequences: number; threads: () => object; max?: number },
  ) {}

  /** Adapter weights loaded into the model plus the adapter contexts' state. */
  get adapterBytes(): number {
    let bytes = 0
    for (const l of this.loaded.values()) bytes += l.bytes
    for (const e of this.settled.values()) bytes += e.context.stateSize
    return bytes
  }

  get contexts(): ContextEntry[] {
    return [...this.settled.values()]
  }

  async acquire(adapters: readonly AdapterRef[]): Promise<ContextEntry> {
    const key = adapterKey(adapters)
    for (;;) {
      let pending = this.entries.get(key)
      if (!pending) {
        const made = this.create(key, canonicalAdapters(adapters))
        pending = made
        this.entries.set(key, made)
        made.then(
          (e) => this.settled.set(key, e),
          () => this.entries.get(key) === made && this.entries.delete(key), // a failed set is tried again (and refused again) next time
        )
      }
      // Counted as in use in the same turn it is found ready, so no eviction runs in between; one
      // freed while this request waited for it is made again.
      const entry = await pending.then((e) => {
        if (this.settled.get(key) !== e) return null
        e.users++
        e.lastUsed = performance.now()
        return e
      })
      if (!entry) continue
      // Freeing the least recently used context is not this request's wait (measured: ~2 ms of a swap).
      this.evictLater()
      return entry
    }
  }

  /** The kept context of an adapter set, counted as in use until `release`; null when none is kept (nothing is made). */
  find(adapters: readonly AdapterRef[]): ContextEntry | null {
    const entry = this.settled.get(adapterKey(adapters))
    if (!entry) return null
    entry.users++
    entry.lastUsed = performance.now()
    return entry
  }

  release(entry: ContextEntry): void {
    entry.users = Math.max(0, entry.users - 1)
    entry.lastUsed = performance.now()
    this.evictLater()
  }

  /** `evict` without waiting for it; a failure is noted in the model's log (stderr), never thrown. */
  private evictLater(): void {
    this.evict().catch((error: unknown) => console.error(`Could not free an adapter context: ${(error as Error)?.message ?? String(error)}`))
  }

  /** Free the least recently used idle contexts while more than the bound are kept. */
  private async evict(): Promise<void> {
    const max = this.options.max ?? MAX_ADAPTER_CONTEXTS
    const idle = [...this.settled.values()].filter((e) => e.users === 0).sort((a, b) => a.lastUsed - b.lastUsed)
    let over = this.settled.size - max
    for (const e of idle) {
      if (over <= 0) break
      if (e.users > 0 || this.settled.get(e.key) !== e) continue // taken (or freed) while an earlier one was freed
      over--
      this.settled.delete(e.key)
      this.entries.delete(e.key)
      await e.dispose()
    }
  }

  private async validate(adapters: readonly AdapterRef[]): Promise<void> {
    if (adapters.length > MAX_ADAPTERS_PER_SET) throw invalid(`An adapter set holds at most ${MAX_ADAPTERS_PER_SET} adapters (got ${adapters.length})`)
    const paths = new Set<string>()
    for (const a of adapters) {
      if (typeof a.path !== 'string' || !isAbsolute(a.path)) throw invalid(`An adapter's file path must be absolute (got ${JSON.stringify(a.path)})`)
      if (paths.has(a.path)) throw invalid(`The adapter ${a.path} is in the set twice`)
      paths.add(a.path)
      if (typeof a.scale !== 'number' || !Number.isFinite(a.scale) || Math.abs(a.scale) > 100) throw invalid(`The adapter ${a.path} has scale ${String(a.scale)}: a finite number up to 100 is expected`)
      if (typeof a.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(a.sha256)) throw invalid(`The adapter ${a.path} has no valid sha256`)
      const stat = await fs.stat(a.path).catch(() => null)
      if (!stat?.isFile()) throw invalid(`The adapter file ${a.path} does not exist`, 'Add the adapter again (warden adapter add) or remove it from the persona’s genome.')
      const known = this.loaded.get(a.path)
      if (known) {
        // node-llama-cpp keeps an adapter's weights by path: another file there cannot be used by this model.
        if (known.sha256 !== a.sha256.toLowerCase()) throw invalid(`The adapter file ${a.path} changed since this model loaded it (sha256 ${known.sha256.slice(0, 12)}…, now expected ${a.sha256.slice(0, 12)}…)`, 'Unload the model to load the new file.')
        continue
      }
      const actual = await sha256Of(a.path)
      if (actual !== a.sha256.toLowerCase()) throw invalid(`The adapter file ${a.path} does not match its sha256 (expected ${a.sha256.slice(0, 12)}…, the file has ${actual.slice(0, 12)}…)`, 'The file changed after it was added: add it again.')
    }
  }

  private async create(key: string, adapters: AdapterRef[]): Promise<ContextEntry> {
    await this.validate(adapters)
    let context: LlamaContext
    try {
      context = await this.model.createContext({
        contextSize: this.options.contextSize,
        sequences: this.options.sequences,
        threads: this.options.threads(),
        lora: { adapters: adapters.map((a) => ({ filePath: a.path, scale: a.scale })) },
      })
    } catch (error) {
      // Those of the set that did load stay in the model (by path): noted like a success, so another file there is refused.
      await this.noteLoaded(adapters)
      const names = adapters.map((a) => a.path).join(', ')
      throw invalid(`llama.cpp could not apply the adapter set ${names} to this model: ${(error as Error).message}`, 'Check that each adapter was made for this base model (architecture, layer count and tensor shapes).')
    }
    await this.noteLoaded(adapters)
    return new ContextEntry(context, key, this.options.sequences)
  }

  /** Adapters node-llama-cpp may now keep in the model, with the hash checked before and their file size. */
  private async noteLoaded(adapters: readonly AdapterRef[]): Promise<void> {
    for (const a of adapters) {
      if (this.loaded.has(a.path)) continue
      const stat = await fs.stat(a.path).catch(() => null)
      this.loaded.set(a.path, { sha256: a.sha256.toLowerCase(), bytes: stat?.size ?? 0 })
    }
  }

  async dispose(): Promise<void> {
    const all = [...this.settled.values()]
    this.settled.clear()
    this.entries.clear()
    this.loaded.clear()
    for (const e of all) await e.dispose()
  }
}
