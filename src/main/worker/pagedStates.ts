/**
 * Conversations' sequence states kept on disk while their model is paged out: saved by the worker
 * when the model is unloaded (or its process ends), restored into a sequence when the conversation
 * comes back to a worker of the same model file, so its next turn evaluates only its new tokens.
 *
 * Each state is `<dir>/<hash of its session key>.bin` with a `.json` beside it (session key, the
 * turn its window starts with, tokens, bytes, and the model file's stamp: size, mtime, inode),
 * both written to a temporary name and renamed, the `.json` last. A state is loaded only into the
 * model file it was saved from (llama.cpp can crash on another model's state), and only once.
 */
import { createHash } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import type { LlamaContextSequence } from 'node-llama-cpp'

interface Entry {
  sessionKey: string
  windowStart: number | null
  stamp: string
  tokens: number
  bytes: number
  savedAt: number
}

async function stampOf(modelPath: string): Promise<string> {
  const st = await fsp.stat(modelPath)
  return `${st.size}:${st.mtimeMs}:${st.ino}`
}

function note(what: string, error: unknown): void {
  // stderr is this worker's log.
  process.stderr.write(`${what}: ${(error as Error)?.message ?? String(error)}\n`)
}

export class PagedStates {
  private constructor(
    private readonly dir: string,
    private readonly stamp: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** The states saved in `dir` for this model file; those of another file (or unreadable) are deleted. */
  static async open(dir: string, modelPath: string): Promise<PagedStates> {
    const stamp = await stampOf(modelPath)
    const entries = new Map<string, Entry>()
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      if (!name.endsWith('.json')) continue
      const base = path.join(dir, name.slice(0, -'.json'.length))
      const entry = await fsp
        .readFile(`${base}.json`, 'utf8')
        .then((t) => JSON.parse(t) as Entry)
        .catch(() => null)
      const fits = entry && typeof entry.sessionKey === 'string' && entry.stamp === stamp && (await fsp.stat(`${base}.bin`).then((s) => s.size === entry.bytes, () => false))
      if (fits && entry) entries.set(entry.sessionKey, entry)
      else await PagedStates.removeFiles(base)
    }
    return new PagedStates(dir, stamp, entries)
  }

  private static async removeFiles(base: string): Promise<void> {
    await Promise.all(['.json', '.bin'].map((ext) => fsp.rm(base + ext, { force: true }).catch(() => undefined)))
  }

  private base(sessionKey: string): string {
    return path.join(this.dir, createHash('sha256').update(sessionKey).digest('hex').slice(0, 32))
  }

  get size(): number {
    return this.entries.size
  }

  /** Save a sequence's state as `sessionKey`'s; a failure is noted and leaves the conversation to be evaluated again. */
  async save(sessionKey: string, windowStart: number | null, sequence: LlamaContextSequence): Promise<void> {
    const base = this.base(sessionKey)
    try {
      await fsp.mkdir(this.dir, { recursive: true })
      const { fileSize } = await sequence.saveStateToFile(`${base}.bin.tmp`)
      await fsp.rename(`${base}.bin.tmp`, `${base}.bin`)
      const entry: Entry = { sessionKey, windowStart, stamp: this.stamp, tokens: sequence.contextTokens.length, bytes: fileSize, savedAt: Date.now() }
      await fsp.writeFile(`${base}.json.tmp`, JSON.stringify(entry))
      await fsp.rename(`${base}.json.tmp`, `${base}.json`)
    } catch (error) {
      note(`Could not save the state of a conversation while the model is paged out`, error)
      await PagedStates.removeFiles(base)
    }
  }

  /**
   * Load `sessionKey`'s saved state into `sequence` (an empty one); resolves with the turn its window
   * starts with, or null when there is none (or it could not be loaded: the sequence is left empty).
   * Its files are deleted either way: a state is restored once.
   */
  async restore(sessionKey: string, sequence: LlamaContextSequence): Promise<{ windowStart: number | null } | null> {
    const entry = this.entries.get(sessionKey)
    if (!entry) return null
    this.entries.delete(sessionKey)
    const base = this.base(sessionKey)
    try {
      await sequence.loadStateFromFile(`${base}.bin`, { acceptRisk: true })
      if (sequence.contextTokens.length !== entry.tokens) throw new Error(`it held ${sequence.contextTokens.length} tokens, not ${entry.tokens}`)
      return { windowStart: entry.windowStart }
    } catch (error) {
      note('Could not restore the state of a conversation saved when the model was paged out', error)
      await sequence.clearHistory().catch(() => undefined)
      return null
    } finally {
      await PagedStates.removeFiles(base)
    }
  }
}
