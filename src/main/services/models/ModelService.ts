import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ModelInfo } from '../../../shared/contract/inference'
import { isModelUri, looksLikeModelFile } from '../../../shared/contract/modelRef'
import { WardenError } from '../../../shared/errors'
import type { WardenDatabase } from '../storage/Database'
import { catalog, type CatalogModel } from './catalog'
import { estimateMemory, factsOf, readModelShape, type ModelShape } from './ggufFacts'
import { ModelInstaller, type InstallProgress, type InstallSpec } from './ModelInstaller'
import { logger } from '../logging/processLog'

const log = logger('models')

interface ModelRow {
  id: string
  name: string
  source: 'file' | 'download'
  uri: string | null
  path: string
  size: number
  sha256: string | null
  added_at: number
}

/** A model a persona can run: where it is (or comes from) and what loading it takes. */
export interface ResolvedModel {
  id: string
  name: string
  /** The file, when it is on disk. */
  path: string | null
  /** How to get it, when it is not. */
  install: InstallSpec | null
}

export interface ModelServiceOptions {
  database: WardenDatabase
  /** Folder of downloaded models (the modelStoragePath setting, or $WARDEN_HOME/models). */
  modelsDir: () => string
  /** Context tokens per sequence and sequences per worker, for memory estimates. */
  loadShape: () => { contextSize: number; sequences: number }
  onChange?: () => void
  freeSpace?: (dir: string) => Promise<number>
}

/** `Llama-3.2-1B-Instruct-Q4_K_M.gguf` → `llama-3.2-1b-instruct-q4_k_m`. */
export function modelIdFromFile(fileName: string): string {
  return (
    path
      .basename(fileName)
      .replace(/\.gguf$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'model'
  )
}

function fileNameOfUri(uri: string): string {
  const clean = uri.split(/[?#]/)[0]
  const base = clean.split('/').pop() ?? ''
  return base.toLowerCase().endsWith('.gguf') ? base : `${modelIdFromFile(base || 'model')}.gguf`
}

/**
 * Models: the catalog of recommended downloads, downloaded files, and local files the person added.
 * Files are the truth: a downloaded model is a .gguf in the models folder, whether or not the
 * index knows it. Facts come from each GGUF's header (cached by size and mtime).
 */
export class ModelService {
  readonly installer: ModelInstaller
  private installerDir: string

  constructor(private readonly options: ModelServiceOptions) {
    this.installerDir = options.modelsDir()
    this.installer = new ModelInstaller({ modelsDir: this.installerDir, freeSpace: options.freeSpace })
  }

  get modelsDir(): string {
    return this.options.modelsDir()
  }

  /** The installer for the current models folder (the setting can change). */
  private currentInstaller(): ModelInstaller {
    const dir = this.modelsDir
    if (dir !== this.installerDir) {
      this.installerDir = dir
      ;(this as { installer: ModelInstaller }).installer = new ModelInstaller({ modelsDir: dir, freeSpace: this.options.freeSpace })
    }
    return this.installer
  }

  private rows(): ModelRow[] {
    return this.options.database.db.prepare('SELECT * FROM models ORDER BY name').all() as ModelRow[]
  }

  private row(id: string): ModelRow | undefined {
    return this.options.database.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined
  }

  private upsert(row: ModelRow): void {
    this.options.database.db
      .prepare(
        `INSERT INTO models (id, name, source, uri, path, size, sha256, added_at) VALUES (@id, @name, @source, @uri, @path, @size, @sha256, @added_at)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, source = excluded.source, uri = excluded.uri, path = excluded.path, size = excluded.size, sha256 = excluded.sha256`,
      )
      .run(row)
  }

  /** The GGUF header facts of a file, from the cache when the file has not changed. */
  async shape(file: string): Promise<ModelShape> {
    const st = fs.statSync(file)
    const db = this.options.database.db
    const cached = db.prepare('SELECT * FROM model_facts WHERE path = ?').get(file) as { size: number; mtime_ms: number; shape: string } | undefined
    if (cached && cached.size === st.size && cached.mtime_ms === st.mtimeMs) return JSON.parse(cached.shape) as ModelShape
    const shape = await readModelShape(file)
    db.prepare('INSERT OR REPLACE INTO model_facts (path, size, mtime_ms, shape) VALUES (?, ?, ?, ?)').run(file, st.size, st.mtimeMs, JSON.stringify(shape))
    return shape
  }

  /** Bytes the scheduler reserves to load this file with the current context settings. */
  async estimate(file: string, contextSize = this.options.loadShape().contextSize): Promise<number> {
    const shape = await this.shape(file)
    const { sequences } = this.options.loadShape()
    return estimateMemory(shape, Math.min(contextSize, shape.contextLength ?? contextSize), sequences).total
  }

  private async factsFor(file: string) {
    const { contextSize, sequences } = this.options.loadShape()
    try {
      return factsOf(await this.shape(file), contextSize, sequences)
    } catch (error) {
      // Shown without facts; loading it will say what is wrong with it.
      log.warn(`Cannot read the GGUF header of ${file}`, { err: error })
      return null
    }
  }

  private catalogInfo(c: CatalogModel) {
    return { parameters: c.parameters, quantization: c.quantization, contextLength: c.contextLength, minMemory: c.minMemory, license: c.license }
  }

  private installing(fileName: string): ModelInfo['installing'] {
    const p = this.currentInstaller()
      .active()
      .find((a: InstallProgress) => a.fileName === fileName)
    return p ? { bytesDownloaded: p.bytesDownloaded, bytesTotal: p.bytesTotal, percent: p.percent } : null
  }

  /** Every model: the catalog, downloaded files (indexed or found in the folder), added local files. */
  async list(isLoaded: (id: string) => boolean = () => false): Promise<ModelInfo[]> {
    const dir = this.modelsDir
    const rows = this.rows()
    const byPath = new Map(rows.map((r) => [r.path, r]))
    const out: ModelInfo[] = []
    const seen = new Set<string>()
    for (const c of catalog) {
      const file = path.join(dir, c.fileName)
      const installed = fs.existsSync(file)
      seen.add(file)
      out.push({
        id: c.id,
        name: c.name,
        source: 'catalog',
        uri: c.uri,
        path: installed ? file : null,
        installed,
        size: installed ? fs.statSync(file).size : c.size,
        sha256: byPath.get(file)?.sha256 ?? null,
        description: c.description,
        catalog: this.catalogInfo(c),
        facts: installed ? await this.factsFor(file) : null,
        installing: this.installing(c.fileName),
        loaded: isLoaded(c.id),
      })
    }
    for (const r of rows) {
      if (seen.has(r.path) || catalog.some((c) => c.id === r.id)) continue
      seen.add(r.path)
      const installed = fs.existsSync(r.path)
      out.push({
        id: r.id,
        name: r.name,
        source: r.source,
        uri: r.uri,
        path: r.path,
        installed,
        size: installed ? fs.statSync(r.path).size : r.size,
        sha256: r.sha256,
        description: installed ? null : 'The file is missing: it was moved or deleted.',
        catalog: null,
        facts: installed ? await this.factsFor(r.path) : null,
        installing: r.source === 'download' ? this.installing(path.basename(r.path)) : null,
        loaded: isLoaded(r.id),
      })
    }
    // .gguf files dropped into the models folder by hand are models too.
    let entries: string[] = []
    try {
      entries = fs.readdirSync(dir)
    } catch (error) {
      // No folder yet; another failure hides the files in it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`Cannot list the models folder ${dir}`, { err: error })
    }
    for (const name of entries.sort()) {
      const file = path.join(dir, name)
      if (!name.toLowerCase().endsWith('.gguf') || seen.has(file)) continue
      const id = modelIdFromFile(name)
      out.push({
        id,
        name: name.replace(/\.gguf$/i, ''),
        source: 'file',
        uri: null,
        path: file,
        installed: true,
        size: fs.statSync(file).size,
        sha256: null,
        description: null,
        catalog: null,
        facts: await this.factsFor(file),
        installing: null,
        loaded: isLoaded(id),
      })
    }
    return out
  }

  async info(id: string, isLoaded?: (id: string) => boolean): Promise<ModelInfo> {
    const found = (await this.list(isLoaded)).find((m) => m.id === id)
    if (!found) throw new WardenError('NOT_FOUND', `No model ${JSON.stringify(id)}`, { hint: 'See the models with: warden model list' })
    return found
  }

  /**
   * What a persona's `model` names: a model id, a .gguf path (added as a local model), or an `hf:` URI
   * or URL (downloaded on first use).
   */
  async resolve(ref: string): Promise<ResolvedModel> {
    const trimmed = ref.trim()
    const dir = this.modelsDir
    const c = catalog.find((m) => m.id === trimmed || m.uri === trimmed)
    if (c) {
      const file = path.join(dir, c.fileName)
      return { id: c.id, name: c.name, path: fs.existsSync(file) ? file : null, install: { uri: c.uri, fileName: c.fileName } }
    }
    if (isModelUri(trimmed)) {
      const fileName = fileNameOfUri(trimmed)
      const id = modelIdFromFile(fileName)
      const file = path.join(dir, fileName)
      return { id, name: fileName.replace(/\.gguf$/i, ''), path: fs.existsSync(file) ? file : null, install: { uri: trimmed, fileName } }
    }
    const row = this.row(trimmed)
    if (row) {
      if (!fs.existsSync(row.path)) {
        if (row.source === 'download' && row.uri) return { id: row.id, name: row.name, path: null, install: { uri: row.uri, fileName: path.basename(row.path), sha256: row.sha256 ?? undefined } }
        throw new WardenError('NOT_FOUND', `The file of model ${row.id} is missing: ${row.path}`, { hint: 'Put the file back, or add it again from its new place: warden model add FILE' })
      }
      return { id: row.id, name: row.name, path: row.path, install: null }
    }
    if (looksLikeModelFile(trimmed)) {
      const info = await this.add(trimmed)
      return { id: info.id, name: info.name, path: info.path, install: null }
    }
    const inFolder = path.join(dir, `${trimmed}.gguf`)
    const loose = fs.existsSync(dir) ? fs.readdirSync(dir).find((n) => n.toLowerCase().endsWith('.gguf') && modelIdFromFile(n) === trimmed) : undefined
    if (loose || fs.existsSync(inFolder)) {
      const file = loose ? path.join(dir, loose) : inFolder
      return { id: trimmed, name: path.basename(file).replace(/\.gguf$/i, ''), path: file, install: null }
    }
    throw new WardenError('NOT_FOUND', `No model ${JSON.stringify(trimmed)}`, {
      hint: `Use a model id (${catalog
        .slice(0, 3)
        .map((m) => m.id)
        .join(', ')}, … see warden model list), a .gguf file path, or an hf: URI.`,
    })
  }

  /**
   * Register a local .gguf file (it stays where it is). `download` marks a file Warden made itself
   * (the demo's), which `remove` may delete.
   */
  async add(file: string, source: 'file' | 'download' = 'file'): Promise<ModelInfo> {
    const abs = path.resolve(file)
    let st: fs.Stats
    try {
      st = fs.statSync(abs)
    } catch {
      throw new WardenError('NOT_FOUND', `No file at ${abs}`, { hint: 'Give the path of a .gguf model file.' })
    }
    if (!st.isFile()) throw new WardenError('INVALID_INPUT', `${abs} is not a file`, { hint: 'Give the path of a .gguf model file.' })
    const fd = fs.openSync(abs, 'r')
    const magic = Buffer.alloc(4)
    fs.readSync(fd, magic, 0, 4, 0)
    fs.closeSync(fd)
    if (magic.toString('latin1') !== 'GGUF') {
      throw new WardenError('INVALID_INPUT', `${abs} is not a GGUF model (it does not start with "GGUF")`, { hint: 'Warden runs llama.cpp’s GGUF files; convert other formats with llama.cpp first.' })
    }
    await this.shape(abs) // refuse unreadable headers now, not at load time
    const existing = this.rows().find((r) => r.path === abs)
    let id = existing?.id ?? modelIdFromFile(abs)
    if (!existing) {
      const taken = new Set([...this.rows().map((r) => r.id), ...catalog.map((c) => c.id)])
      for (let i = 2; taken.has(id); i++) id = `${modelIdFromFile(abs)}-${i}`
    }
    this.upsert({ id, name: path.basename(abs).replace(/\.gguf$/i, ''), source: existing?.source ?? source, uri: existing?.uri ?? null, path: abs, size: st.size, sha256: existing?.sha256 ?? null, added_at: Date.now() })
    this.options.onChange?.()
    return this.info(id)
  }

  /** Download a model (catalog id, hf: URI or URL); two calls for one file share one download. */
  async install(ref: string, options: { sha256?: string; onProgress?: (p: InstallProgress) => void; signal?: AbortSignal } = {}): Promise<ModelInfo> {
    const resolved = await this.resolve(ref)
    if (!resolved.install) return this.info(resolved.id)
    if (resolved.path) return this.info(resolved.id)
    return this.installResolved(resolved, options)
  }

  async installResolved(resolved: ResolvedModel, options: { sha256?: string; onProgress?: (p: InstallProgress) => void; signal?: AbortSignal } = {}): Promise<ModelInfo> {
    const spec = { ...resolved.install!, sha256: options.sha256 ?? resolved.install!.sha256 }
    fs.mkdirSync(this.modelsDir, { recursive: true })
    let last = 0
    const done = await this.currentInstaller().install(spec, {
      signal: options.signal,
      onProgress: (p) => {
        options.onProgress?.(p)
        if (Date.now() - last > 500 || p.percent === 100) {
          last = Date.now()
          this.options.onChange?.()
        }
      },
    })
    const isCatalog = catalog.some((c) => c.id === resolved.id)
    if (!isCatalog || done.sha256) {
      this.upsert({ id: resolved.id, name: resolved.name, source: 'download', uri: spec.uri, path: done.path, size: done.size, sha256: done.sha256, added_at: Date.now() })
    }
    this.options.onChange?.()
    return this.info(resolved.id)
  }

  /** Delete a downloaded model's file, or forget a local one (its file is never deleted). */
  async remove(id: string): Promise<{ id: string; deletedFile: string | null; freedBytes: number }> {
    const info = await this.info(id)
    const row = this.row(id)
    let deletedFile: string | null = null
    let freedBytes = 0
    const looseFile = !row && info.source === 'file'
    if (looseFile) {
      throw new WardenError('CONFLICT', `${info.path} was put in the models folder by hand; Warden deletes only the models it downloaded`, {
        hint: 'Delete or move that file yourself if you no longer want it.',
      })
    }
    if (info.path && info.source !== 'file' && fs.existsSync(info.path)) {
      freedBytes = this.deleteDownloaded(id, info.path) ?? 0
      deletedFile = info.path
      return { id, deletedFile, freedBytes }
    } else if (!row && info.source === 'catalog') {
      throw new WardenError('NOT_FOUND', `${info.name} is not installed`, { hint: 'Nothing to remove.' })
    }
    this.forget(id)
    return { id, deletedFile, freedBytes }
  }

  /**
   * Delete a downloaded model's file and forget it, synchronously: a caller's last check (is it in
   * use?) and the delete happen with nothing in between. Returns the bytes freed, or null when the
   * file was already gone (it is forgotten all the same).
   */
  deleteDownloaded(id: string, file: string): number | null {
    let size: number | null = null
    try {
      size = fs.statSync(file).size
      fs.rmSync(file)
    } catch {
      size = null
    }
    this.forget(id)
    return size
  }

  private forget(id: string): void {
    this.options.database.db.prepare('DELETE FROM models WHERE id = ?').run(id)
    this.options.onChange?.()
  }
}
