/**
 * Downloads GGUF models into the models folder through node-llama-cpp's own downloader
 * (`createModelDownloader`, which uses ipull): progress, resume, cancel, verification, and one
 * download per target file however many callers ask for it.
 *
 * Layout: final files live directly in `modelsDir`. A download in progress lives in
 * `modelsDir/.warden-tmp-downloads/` as ipull's `<name>.ipull` (the data, with ipull's resume
 * metadata appended after the last byte); ipull renames it to `<name>` when complete, and we move it
 * to `modelsDir/<name>` only after it passed every check. So the final name never holds a partial
 * or unverified file, and a listing of `modelsDir` never sees one.
 *
 * The parts: this facade (one job per target file, hf: name resolution, the disk space check);
 * `InstallJob` (one download, its checks and its callers); `downloader.ts` (node-llama-cpp's
 * downloader, with what ipull does and the workarounds we add); `installErrors.ts` (errors a
 * person can act on); `installSpec.ts` (the request, checked).
 */
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import type { ModelDownloader } from 'node-llama-cpp'
import { WardenError } from '../../../shared/errors'
import { TEMP_MARKER } from '../fs/atomic'
import { safeChildPath } from '../fs/safePath'
import { closeDownloader, createDownloader } from './downloader'
import { cancelled, formatBytes } from './installErrors'
import { alreadyInstalled, installedAt, InstallJob, type InstallContext, type InstalledFile, type InstallProgress } from './InstallJob'
import { normalizeSpec, type InstallSpec, type NormalizedSpec } from './installSpec'

export type { InstallSpec } from './installSpec'
export type { InstalledFile, InstallProgress } from './InstallJob'

export interface ModelInstallerOptions {
  modelsDir: string
  /** Extra request headers (an Authorization header for private models, …). */
  headers?: Record<string, string>
  /** Free bytes on the disk holding `dir`; default `fs.statfs`. */
  freeSpace?: (dir: string) => Promise<number>
  /** Endpoint for `hf:` URIs (a mirror); default node-llama-cpp's (HF_ENDPOINT, else huggingface.co). */
  huggingFaceEndpoint?: string
  /** Give up when no new bytes arrived for this long, or when starting takes longer. Default 60 s. */
  stallTimeoutMs?: number
  /** Give up after this many failed requests in a row with no new bytes between them. Default 10. */
  maxRetries?: number
}

/** Folder inside the models folder that holds downloads in progress (resumable, so kept on failure). */
export const PARTIAL_DIR_NAME = `${TEMP_MARKER}downloads`
/** Free space kept on top of what a download needs. */
export const FREE_SPACE_MARGIN = 32 * 1024 * 1024

interface Resolution {
  fileName: string
  downloader: ModelDownloader
  used: boolean
}

export class ModelInstaller implements InstallContext {
  readonly modelsDir: string
  readonly partialDir: string
  private readonly headers?: Record<string, string>
  private readonly freeSpace: (dir: string) => Promise<number>
  private readonly huggingFaceEndpoint?: string
  readonly stallTimeoutMs: number
  readonly maxRetries: number
  private readonly jobs = new Map<string, InstallJob>()
  private readonly resolving = new Map<string, Promise<Resolution>>()

  constructor(options: ModelInstallerOptions) {
    this.modelsDir = path.resolve(options.modelsDir)
    this.partialDir = path.join(this.modelsDir, PARTIAL_DIR_NAME)
    this.headers = options.headers
    this.freeSpace = options.freeSpace ?? defaultFreeSpace
    this.huggingFaceEndpoint = options.huggingFaceEndpoint
    this.stallTimeoutMs = options.stallTimeoutMs ?? 60_000
    this.maxRetries = options.maxRetries ?? 10
  }

  /** Installed already? (final file exists, and size matches spec.size when given) */
  async isInstalled(spec: InstallSpec): Promise<string | null> {
    return await this.findInstalled(normalizeSpec(spec))
  }

  private async findInstalled(s: NormalizedSpec): Promise<string | null> {
    let file: string | null = null
    if (s.fileName != null) file = safeChildPath(this.modelsDir, s.fileName, 'model file name')
    else {
      // node-llama-cpp knows which names an hf: URI gets, without asking the network.
      const { resolveModelFile } = await import('node-llama-cpp')
      try {
        file = await resolveModelFile(s.uri, { directory: this.modelsDir, download: false, cli: false, endpoints: this.endpoints() })
      } catch {
        return null
      }
    }
    return (await installedAt(file, s.size)) ? file : null
  }

  /** in-flight installs (for the UI) */
  active(): InstallProgress[] {
    return [...this.jobs.values()].filter((j) => !j.cancelled).map((j) => ({ ...j.progress }))
  }

  async install(spec: InstallSpec, options: { onProgress?: (p: InstallProgress) => void; signal?: AbortSignal } = {}): Promise<InstalledFile> {
    const s = normalizeSpec(spec)
    const { signal, onProgress } = options
    if (signal?.aborted) throw cancelled(s.uri)
    let resolution: Resolution | null = null
    let fileName = s.fileName
    if (fileName == null) {
      // An hf: URI without a file name: node-llama-cpp names the file (it may need the manifest).
      const found = await this.findInstalled(s)
      if (found) return alreadyInstalled(found, s, onProgress)
      resolution = await abortable(this.resolveHf(s.uri), signal, () => cancelled(s.uri))
      fileName = resolution.fileName
    }
    // The name comes from a URI or a server's answer: it must stay one file in the models folder.
    safeChildPath(this.modelsDir, fileName, 'model file name')
    for (;;) {
      const job = this.jobs.get(fileName)
      if (job?.cancelled) {
        // The last download of this file is winding down; start afresh once it let go of its files.
        if (resolution && !resolution.used) release(resolution)
        await abortable(job.settled, signal, () => cancelled(s.uri))
        continue
      }
      if (job) {
        job.join(s)
        if (resolution && !resolution.used) release(resolution)
        return job.attach(onProgress, signal)
      }
      let pre: ModelDownloader | null = null
      if (resolution && !resolution.used) {
        resolution.used = true
        pre = resolution.downloader
      }
      const created = new InstallJob(this, s, fileName, pre)
      this.jobs.set(fileName, created)
      const result = created.attach(onProgress, signal)
      created.start(() => this.jobs.delete(fileName))
      return result
    }
  }

  /** @internal */
  endpoints(): { huggingFace: string } | undefined {
    return this.huggingFaceEndpoint ? { huggingFace: this.huggingFaceEndpoint } : undefined
  }

  /** @internal node-llama-cpp's downloader, staged in the partial folder; gives up after the stall timeout or on abort. */
  createDownloader(uri: string, stagingName: string | undefined, signal?: AbortSignal): Promise<ModelDownloader> {
    return createDownloader({ uri, dirPath: this.partialDir, fileName: stagingName, headers: this.headers, endpoints: this.endpoints(), stallTimeoutMs: this.stallTimeoutMs, signal })
  }

  /** @internal */
  async checkSpace(fileName: string, total: number, onDisk: number): Promise<void> {
    const needed = Math.max(0, total - onDisk)
    const free = await this.freeSpace(this.modelsDir)
    if (free >= needed + FREE_SPACE_MARGIN) return
    throw new WardenError(
      'NO_SPACE',
      `Not enough disk space to download ${fileName}: it needs ${formatBytes(needed)} (plus ${formatBytes(FREE_SPACE_MARGIN)} to spare), and ${formatBytes(free)} is free in ${this.modelsDir}`,
      { hint: 'Free some disk space (remove models you do not use), or choose another folder for models (modelStoragePath).', details: { needed, free, margin: FREE_SPACE_MARGIN } },
    )
  }

  /** One name resolution per hf: URI at a time; the downloader it makes goes to the first job that needs it. */
  private resolveHf(uri: string): Promise<Resolution> {
    let pending = this.resolving.get(uri)
    if (!pending) {
      pending = this.createDownloader(uri, undefined).then((downloader) => ({ fileName: downloader.entrypointFilename, downloader, used: false }))
      this.resolving.set(uri, pending)
      pending.then(
        (r) => {
          this.resolving.delete(uri)
          // Callers take it in their continuations (microtasks); if nobody did, close it.
          setImmediate(() => {
            if (!r.used) release(r)
          })
        },
        () => this.resolving.delete(uri),
      )
    }
    return pending
  }
}

async function defaultFreeSpace(dir: string): Promise<number> {
  const st = await fsp.statfs(dir)
  return Number(st.bavail) * Number(st.bsize)
}

function release(r: Resolution): void {
  r.used = true
  closeDownloader(r.downloader)
}

/** The promise, or `reason()` as soon as the signal aborts (the work itself goes on). */
async function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, reason: () => unknown): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) throw reason()
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        onAbort = () => reject(reason())
        signal.addEventListener('abort', onAbort, { once: true })
      }),
    ])
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
  }
}
