import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { z } from 'zod'
import { Adapter } from '../../../shared/contract/domains/adapters'
import { WardenError } from '../../../shared/errors'
import { atomicWriteFile, sha256File, tempNameFor } from '../fs/atomic'
import { renameNoReplace, safeChildPath } from '../fs/safePath'
import type { AdapterIndex } from './AdapterIndex'
import { loraFacts, loraMisfit, readGgufHead, type GgufHead, type LoraFacts } from './loraGguf'

/** What the sidecar `<name>.json` beside `<name>.gguf` says (the file is the truth; this is its record). */
export interface AdapterRecord {
  name: string
  description: string
  tags: string[]
  /** The base model's id the adapter was added for (checked to fit), or null. */
  baseModel: string | null
  sha256: string
  size: number
  addedAt: number
  facts: LoraFacts
  /** Description embeddings by embedding model id, each for the hash of the text embedded. */
  embeddings?: Record<string, { textHash: string; vector: number[] }>
}

export interface AdapterEntry extends Omit<AdapterRecord, 'embeddings'> {
  path: string
}

const AdapterRecordSchema = Adapter.omit({ path: true }).extend({
  embeddings: z.record(z.string(), z.object({ textHash: z.string(), vector: z.array(z.number()) })).optional(),
})

/** Parsed sidecars by path (see readRecord): shared by the stores made for each call. */
const parsedSidecars = new Map<string, { key: string; record: AdapterRecord | null }>()
const MAX_PARSED_SIDECARS = 10_000
const RECENT_MS = 1000

/** A name: letters, digits, `.`, `_`, `-`, starting with a letter or digit (it becomes a file name). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function adapterNameProblem(name: string): string | null {
  if (!NAME.test(name)) return 'use 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit'
  if (name.toLowerCase().endsWith('.gguf') || name.toLowerCase().endsWith('.json')) return 'leave out the extension'
  return null
}

/** The text an adapter is found by: its name, description and tags. */
export function descriptionText(r: Pick<AdapterRecord, 'name' | 'description' | 'tags'>): string {
  return [r.name, r.description, r.tags.length ? `Tags: ${r.tags.join(', ')}` : ''].filter(Boolean).join('\n')
}

export const textHash = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * LoRA adapters in `<home>/adapters`: `<name>.gguf` (copied in, never moved or linked from where it
 * was) and its sidecar `<name>.json`. The files are the truth: listing reads the sidecars, so a
 * file put back or removed by hand is seen at once; an adapter without a sidecar is listed as a
 * problem. With an `index` (SQLite), adding, adopting and removing write it too, and each listing
 * brings it in step with what was found.
 */
export class AdapterStore {
  constructor(
    readonly dir: string,
    private readonly index?: AdapterIndex,
  ) {}

  private paths(name: string) {
    const problem = adapterNameProblem(name)
    if (problem) throw new WardenError('INVALID_INPUT', `The adapter name ${JSON.stringify(name.slice(0, 80))} cannot be used: ${problem}`)
    return { gguf: safeChildPath(this.dir, `${name}.gguf`, 'adapter name'), json: safeChildPath(this.dir, `${name}.json`, 'adapter name') }
  }

  /**
   * Copy `file` in as `name`, after checking that it is a whole LoRA adapter GGUF and, with `base`
   * (the base model's id and file), that it fits that model. Nothing is left behind when a check fails.
   */
  async add(input: { file: string; name: string; description?: string; tags?: string[]; base?: { id: string; path: string } | null }): Promise<AdapterEntry> {
    const { gguf, json } = this.paths(input.name)
    if (fs.existsSync(gguf) || fs.existsSync(json)) {
      throw new WardenError('CONFLICT', `An adapter named ${input.name} already exists`, { hint: `Choose another --name, or remove it first: warden adapter remove ${input.name}` })
    }
    const st = await fsp.stat(input.file).catch(() => null)
    if (!st?.isFile()) throw new WardenError('NOT_FOUND', `No adapter file ${input.file}`, { hint: 'Give the path of a LoRA adapter .gguf file.' })
    await fsp.mkdir(this.dir, { recursive: true })
    // Copy first, then check the copy: what is checked is what is kept, even if the source changes meanwhile.
    const tmp = tempNameFor(gguf)
    await fsp.copyFile(input.file, tmp, fs.constants.COPYFILE_EXCL)
    try {
      const head = await readGgufHead(tmp, 'The adapter').catch((e: unknown) => {
        throw e instanceof WardenError ? new WardenError(e.code, e.message.replace(tmp, input.file), { hint: e.hint }) : e
      })
      const facts = loraFacts(head, input.file)
      if (input.base) await this.checkFits(head, input.name, input.base)
      const record: AdapterRecord = {
        name: input.name,
        description: input.description ?? '',
        tags: input.tags ?? [],
        baseModel: input.base?.id ?? null,
        sha256: await sha256File(tmp),
        size: head.fileSize,
        addedAt: Date.now(),
        facts,
      }
      // The sidecar first: a list meanwhile never sees the file without it (and adopts it as anonymous).
      await atomicWriteFile(json, `${JSON.stringify(record, null, 2)}\n`, { replace: false })
      try {
        await renameNoReplace(tmp, gguf)
      } catch (error) {
        await fsp.rm(json, { force: true })
        throw error
      }
      this.index?.put({ ...record, path: gguf })
      return { ...record, path: gguf }
    } finally {
      await fsp.rm(tmp, { force: true })
    }
  }

  /** Refuses (naming the first tensor that differs) an adapter that does not fit the base model's file. */
  async checkFits(head: GgufHead | string, name: string, base: { id: string; path: string }): Promise<void> {
    const adapter = typeof head === 'string' ? await readGgufHead(head, 'The adapter') : head
    const misfit = loraMisfit(adapter, await readGgufHead(base.path, 'The base model'))
    if (misfit) {
      throw new WardenError('INVALID_INPUT', `The adapter ${name} does not fit the model ${base.id}: ${misfit}`, {
        hint: 'An adapter works only with the model it was trained on (same architecture and sizes). Use it with that model.',
      })
    }
  }

  /**
   * The sidecar of `name`, or null when it is missing, not JSON, not of this name, or lacks a field
   * (edited by hand). Parsed sidecars are kept by path, inode, size and change time: a chat's
   * selection reads every sidecar, and parsing 1,000 of them with their embeddings each time is most
   * of its cost; one stat per file still sees a sidecar replaced, edited or removed by hand.
   */
  private readRecord(name: string): AdapterRecord | null {
    const { json } = this.paths(name)
    try {
      const st = fs.statSync(json, { bigint: true })
      const key = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
      const cached = parsedSidecars.get(json)
      if (cached?.key === key) return cached.record && { ...cached.record }
      const parsed = AdapterRecordSchema.safeParse(JSON.parse(fs.readFileSync(json, 'utf8')))
      const record = parsed.success && parsed.data.name === name ? (parsed.data as AdapterRecord) : null
      // A sidecar changed within the last second is read again next time: a write in the same tick of
      // the file system's clock would leave its times as they were.
      if (Date.now() - Number(st.ctimeNs / 1_000_000n) >= RECENT_MS) {
        if (parsedSidecars.size >= MAX_PARSED_SIDECARS) parsedSidecars.clear()
        parsedSidecars.set(json, { key, record })
      } else parsedSidecars.delete(json)
      return record && { ...record }
    } catch {
      parsedSidecars.delete(json)
      return null
    }
  }

  /**
   * Every adapter, by name. A `.gguf` put into the folder without its sidecar is adopted when it is a
   * whole LoRA adapter (a sidecar is written from its header: no description, no base model);
   * otherwise it is listed as a problem, as is a sidecar whose file is gone.
   */
  async list(): Promise<{ adapters: AdapterEntry[]; problems: string[] }> {
    if (!fs.existsSync(this.dir)) {
      this.index?.reconcile([])
      return { adapters: [], problems: [] }
    }
    const names = fs.readdirSync(this.dir)
    const present = new Set(names)
    const adapters: AdapterEntry[] = []
    const problems: string[] = []
    for (const n of names.sort()) {
      if (n.startsWith('.')) continue
      const m = /^(.*)\.(gguf|json)$/.exec(n)
      if (!m || adapterNameProblem(m[1])) continue
      const name = m[1]
      if (m[2] === 'gguf') {
        if (!present.has(`${name}.json`)) {
          const adopted = await this.adopt(name).catch((e: Error) => {
            problems.push(`${n} has no sidecar and cannot be adopted: ${e.message}`)
            return null
          })
          if (adopted) adapters.push(adopted)
        }
        continue
      }
      if (!present.has(`${name}.gguf`)) {
        problems.push(`${n} has no adapter file ${name}.gguf`)
        continue
      }
      const r = this.readRecord(name)
      if (!r || r.name !== name) {
        problems.push(`${n} is not a readable adapter record`)
        continue
      }
      const { embeddings: _, ...rest } = r
      adapters.push({ ...rest, path: path.join(this.dir, `${name}.gguf`) })
    }
    adapters.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    this.index?.reconcile(adapters)
    return { adapters, problems }
  }

  /**
   * Rebuild the SQLite index from the folder (`warden doctor`): the adapters indexed, the names it
   * gained (added or dropped in by hand since it was last in step) and lost, and the files that
   * could not be read.
   */
  async rebuildIndex(): Promise<{ indexed: number; added: string[]; removed: string[]; problems: string[] }> {
    if (!this.index) throw new WardenError('INTERNAL', 'This adapter store has no index to rebuild')
    const before = new Set(this.index.names())
    const { adapters, problems } = await this.list()
    this.index.rebuild(adapters)
    const now = new Set(adapters.map((a) => a.name))
    return { indexed: adapters.length, added: [...now].filter((n) => !before.has(n)), removed: [...before].filter((n) => !now.has(n)), problems }
  }

  /** A sidecar for a LoRA adapter file found in the folder without one (the file is the truth). */
  private async adopt(name: string): Promise<AdapterEntry> {
    const { gguf, json } = this.paths(name)
    const head = await readGgufHead(gguf, 'The adapter')
    const st = await fsp.stat(gguf)
    const record: AdapterRecord = { name, description: '', tags: [], baseModel: null, sha256: await sha256File(gguf), size: head.fileSize, addedAt: st.mtimeMs, facts: loraFacts(head, gguf) }
    await atomicWriteFile(json, `${JSON.stringify(record, null, 2)}\n`, { replace: false })
    this.index?.put({ ...record, path: gguf })
    return { ...record, path: gguf }
  }

  /** One adapter, its file checked against the recorded size and checksum. */
  async inspect(name: string): Promise<AdapterEntry & { intact: boolean; problem: string | null }> {
    const r = this.get(name)
    const st = await fsp.stat(r.path)
    let problem: string | null = null
    if (st.size !== r.size) problem = `the file has ${st.size} bytes, the record says ${r.size}`
    else if ((await sha256File(r.path)) !== r.sha256) problem = 'the file’s checksum differs from the recorded one (it was changed after it was added)'
    return { ...r, intact: problem === null, problem }
  }

  get(name: string): AdapterEntry {
    const { gguf } = this.paths(name)
    const r = this.readRecord(name)
    if (!r || !fs.existsSync(gguf)) {
      throw new WardenError('NOT_FOUND', `No adapter named ${name}`, { hint: 'See the adapters: warden adapter list' })
    }
    const { embeddings: _, ...rest } = r
    return { ...rest, path: gguf }
  }

  async remove(name: string): Promise<{ name: string; removed: boolean; freedBytes: number }> {
    const { gguf, json } = this.paths(name)
    const size = (await fsp.stat(gguf).catch(() => null))?.size ?? 0
    const had = fs.existsSync(gguf) || fs.existsSync(json)
    if (!had) throw new WardenError('NOT_FOUND', `No adapter named ${name}`, { hint: 'See the adapters: warden adapter list' })
    await fsp.rm(json, { force: true })
    await fsp.rm(gguf, { force: true })
    this.index?.remove(name)
    return { name, removed: true, freedBytes: size }
  }

  /** The cached embedding of an adapter's description for `modelId`, or null when the text changed or none is cached. */
  cachedEmbedding(name: string, modelId: string): number[] | null {
    const r = this.readRecord(name)
    const e = r?.embeddings?.[modelId]
    return r && e && e.textHash === textHash(descriptionText(r)) ? e.vector : null
  }

  async cacheEmbedding(name: string, modelId: string, vector: number[]): Promise<void> {
    const { json } = this.paths(name)
    const r = this.readRecord(name)
    if (!r) return
    r.embeddings = { ...r.embeddings, [modelId]: { textHash: textHash(descriptionText(r)), vector } }
    await atomicWriteFile(json, `${JSON.stringify(r, null, 2)}\n`, { durable: false })
  }
}
