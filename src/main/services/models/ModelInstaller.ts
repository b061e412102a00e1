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
 * What node-llama-cpp's downloader (ipull) does, and what we add (node-llama-cpp 3.22 / ipull 3.9):
 * - `createModelDownloader` resolves the URI (an hf: tag needs the manifest) and probes the size
 *   with a plain GET whose body it never reads (not HEAD); `totalSize` is known from then on, before
 *   anything is written, so the disk space is checked there. Then it downloads with Range requests,
 *   up to 3 at a time, in 5 MiB chunks.
 * - A 404 on the probe is ignored (size unknown); the body GET then throws `StatusCodeError` 404 →
 *   NOT_FOUND. Other 4xx on the probe throw from `createModelDownloader` → DOWNLOAD_FAILED.
 * - Dropped connections, truncated bodies, refused connections and 5xx/429 are retried (from the
 *   start of the unfinished chunk) up to 150 times with backoff up to 5 s, i.e. for many minutes, and
 *   a server that stops sending is waited for forever. We give up after `maxRetries` failed requests
 *   in a row with no new bytes (read from an ipull-internal event; without it only the stall limit
 *   applies), or `stallTimeoutMs` without new bytes, and report DOWNLOAD_FAILED with the cause.
 *   `cancel()` does not stop a request that sits in that retry loop: it goes on in the background
 *   (writing nothing) until its retries run out, so we do not wait for it. The probe is retried
 *   the same way and cannot be cancelled: we give up on it after `stallTimeoutMs` and name the
 *   cause from a quick HEAD of the URL.
 * - Resume is in whole chunks: a chunk counts once all its bytes arrived, and the chunk states are
 *   saved after the data; an unfinished chunk is fetched again. This works after cancel, after a
 *   failure and after the process was killed. ipull matches a partial file by its size only: a
 *   file changed on the server but of the same size would be mixed; the sha256, when given, catches it.
 * - ipull counts a finished chunk as 5 MiB even when it is the shorter last one (so `resumedFrom`
 *   may be up to 5 MiB high). With that over-count it can believe a cancelled download complete and
 *   rename the partial file (data + metadata) to the completed name; we rename it back so resume
 *   still works. Progress stays below 100% until the download really finished.
 * - `download({signal})` resolves (does not throw) when cancelled, so cancellation is tracked here.
 */
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import type { ModelDownloader } from 'node-llama-cpp'
import { WardenError } from '../../../shared/errors'
import { exists, fsyncDir, fsyncPath, sha256File, shortLabel, TEMP_MARKER } from '../fs/atomic'
import { safeChildPath } from '../fs/safePath'
import { logger } from '../logging/processLog'

const log = logger('installer')

export interface InstallSpec {
  /** `hf:user/repo/file.gguf` (or `hf:user/repo:quant`) or an http(s) URL. */
  uri: string
  /** Name of the final file in the models folder; default: the URL's last segment, or node-llama-cpp's name for `hf:` URIs. */
  fileName?: string
  /** Expected sha256 (hex) of the whole file. */
  sha256?: string
  /** Expected size in bytes. */
  size?: number
}

export interface InstallProgress {
  uri: string
  fileName: string
  bytesDownloaded: number
  bytesTotal: number | null
  percent: number | null
}

export interface InstalledFile {
  path: string
  fileName: string
  size: number
  /** Hash of the file when one was expected (and so checked); null otherwise. */
  sha256: string | null
  /** Bytes already there when this call started (the whole size when it was installed already). */
  resumedFrom: number
}

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
/** ipull's suffix for a download in progress. */
const PARTIAL_SUFFIX = '.ipull'
const PROGRESS_INTERVAL_MS = 100
const HF_PREFIX = /^(hf:|hf:\/\/|huggingface:|huggingface:\/\/|hf\.co\/|huggingface\.co\/)/i
const RETRY_HINT = 'Check the network connection and install again; the download resumes where it stopped.'

/** The parts of ipull that node-llama-cpp does not expose: the per-file engines, for their retry events. */
interface DownloaderInternals {
  _specificFileDownloaders?: Array<{ _engine?: { options?: { fetchStream?: RetryEvents } } }>
}
interface RetryEvents {
  on(event: 'errorCountIncreased', listener: (count: number, error: unknown) => void): unknown
  off(event: 'errorCountIncreased', listener: (count: number, error: unknown) => void): unknown
}

interface Normalized {
  uri: string
  fileName: string | null
  sha256: string | null
  size: number | null
  isHf: boolean
}

interface Resolution {
  fileName: string
  downloader: ModelDownloader
  used: boolean
}

interface Caller {
  onProgress?: (p: InstallProgress) => void
  lastSent: number
  sentBytes: number
  resolve(value: InstalledFile): void
  reject(error: unknown): void
  cleanup(): void
}

export class ModelInstaller {
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

  private async findInstalled(s: Normalized): Promise<string | null> {
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
      if (found) return this.alreadyInstalled(found, s, onProgress)
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
  async createDownloader(uri: string, stagingName: string | undefined, signal?: AbortSignal): Promise<ModelDownloader> {
    const { createModelDownloader } = await import('node-llama-cpp')
    const creating = createModelDownloader({
      modelUri: uri,
      dirPath: this.partialDir,
      fileName: stagingName,
      headers: this.headers,
      endpoints: this.endpoints(),
      showCliProgress: false,
      // The completed file is verified and moved by us; a leftover completed file is never trusted.
      skipExisting: false,
      deleteTempFileOnCancel: false,
    })
    let timer: NodeJS.Timeout | undefined
    let onAbort: (() => void) | undefined
    const giveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StartTimeout()), this.stallTimeoutMs)
      onAbort = () => reject(cancelled(uri))
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    try {
      return await Promise.race([creating, giveUp])
    } catch (error) {
      // ipull keeps retrying in the background; close whatever it makes, and swallow its failure.
      creating.then((d) => d.cancel({ deleteTempFile: false }), () => undefined).catch(() => undefined)
      if (error instanceof StartTimeout) {
        const cause = await diagnose(uri, this.headers)
        throw new WardenError('DOWNLOAD_FAILED', `Could not start downloading ${uri}: no answer within ${seconds(this.stallTimeoutMs)}${cause ? ` (${cause})` : ''}`, {
          hint: RETRY_HINT,
        })
      }
      throw describeFailure(error, uri, stagingName ?? uri)
    } finally {
      clearTimeout(timer)
      if (onAbort) signal?.removeEventListener('abort', onAbort)
    }
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

  /** @internal */
  async alreadyInstalled(file: string, s: Normalized, onProgress?: (p: InstallProgress) => void): Promise<InstalledFile> {
    const size = (await fsp.stat(file)).size
    let sha256: string | null = null
    if (s.sha256) {
      sha256 = await sha256File(file)
      if (sha256 !== s.sha256)
        throw new WardenError('CHECKSUM_MISMATCH', `The installed ${path.basename(file)} does not match the expected sha256 (${s.sha256}; it has ${sha256})`, {
          hint: 'Remove the model and install it again.',
        })
    }
    const fileName = path.basename(file)
    safeCall(onProgress, { uri: s.uri, fileName, bytesDownloaded: size, bytesTotal: size, percent: 100 })
    return { path: file, fileName, size, sha256, resumedFrom: size }
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

/** One download of one target file, shared by every caller that asks for it meanwhile. */
class InstallJob {
  readonly callers = new Set<Caller>()
  readonly finalPath: string
  readonly progress: InstallProgress
  sha256: string | null
  size: number | null
  phase: 'starting' | 'downloading' | 'verifying' = 'starting'
  cancelled = false
  settled: Promise<void> = Promise.resolve()
  private failure: WardenError | null = null
  private stop: (() => void) | null = null
  private readonly abort = new AbortController()

  constructor(
    private readonly installer: ModelInstaller,
    private readonly spec: Normalized,
    readonly fileName: string,
    private readonly pre: ModelDownloader | null,
  ) {
    this.finalPath = path.join(installer.modelsDir, fileName)
    this.sha256 = spec.sha256
    this.size = spec.size
    this.progress = { uri: spec.uri, fileName, bytesDownloaded: 0, bytesTotal: spec.size, percent: spec.size ? 0 : null }
  }

  start(onSettled: () => void): void {
    this.settled = this.run().then(
      (result) => {
        onSettled()
        for (const c of this.callers) c.cleanup()
        this.progress.bytesDownloaded = result.size
        this.progress.bytesTotal = result.size
        this.progress.percent = 100
        this.publish(true)
        for (const c of this.callers) c.resolve(result)
        this.callers.clear()
      },
      (error) => {
        onSettled()
        for (const c of this.callers) {
          c.cleanup()
          c.reject(error)
        }
        this.callers.clear()
      },
    )
  }

  /** A second caller for the same file: it must want the same thing. */
  join(s: Normalized): void {
    const busy = `${this.fileName} is already being installed`
    if (s.uri !== this.spec.uri)
      throw new WardenError('CONFLICT', `${busy} from ${this.spec.uri}, not from ${s.uri}`, { hint: 'Wait for that install to finish, or give this one another fileName.' })
    const late = this.phase === 'verifying'
    const differs = (what: string, have: string | number | null, wanted: string | number) =>
      new WardenError('CONFLICT', `${busy} with a different expected ${what} (${have ?? 'none'}, not ${wanted})`, { hint: 'Wait for that install to finish, then install again.' })
    if (s.sha256 != null && s.sha256 !== this.sha256) {
      if (this.sha256 != null || late) throw differs('sha256', this.sha256, s.sha256)
      this.sha256 = s.sha256
    }
    if (s.size != null && s.size !== this.size) {
      if (this.size != null || late) throw differs('size', this.size, s.size)
      this.size = s.size
    }
  }

  attach(onProgress: ((p: InstallProgress) => void) | undefined, signal: AbortSignal | undefined): Promise<InstalledFile> {
    return new Promise<InstalledFile>((resolve, reject) => {
      const onAbort = () => this.detach(caller)
      const caller: Caller = {
        onProgress,
        lastSent: 0,
        sentBytes: -1,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      }
      if (signal?.aborted) return reject(cancelled(this.spec.uri))
      this.callers.add(caller)
      signal?.addEventListener('abort', onAbort, { once: true })
      if (this.phase !== 'starting') this.send(caller, Date.now())
    })
  }

  /** A caller cancelled: it leaves; the download stops when nobody is left. */
  private detach(caller: Caller): void {
    if (!this.callers.delete(caller)) return
    caller.cleanup()
    caller.reject(cancelled(this.spec.uri))
    if (this.callers.size === 0 && this.phase !== 'verifying') this.cancel()
  }

  private cancel(): void {
    if (this.cancelled) return
    this.cancelled = true
    this.abort.abort()
    this.stop?.()
  }

  private async run(): Promise<InstalledFile> {
    const { installer, spec, fileName } = this
    try {
      await fsp.mkdir(installer.modelsDir, { recursive: true })
      if (await installedAt(this.finalPath, this.size)) return await installer.alreadyInstalled(this.finalPath, { ...spec, sha256: this.sha256 })

      const stagingName = spec.fileName == null ? undefined : shortLabel(fileName).normalize('NFD')
      // Known size: check the disk before asking the network anything.
      if (this.size != null && stagingName) await installer.checkSpace(fileName, this.size, await allocatedBytes(path.join(installer.partialDir, stagingName + PARTIAL_SUFFIX)))
      if (this.cancelled) throw cancelled(spec.uri)

      const d = this.pre ?? (await installer.createDownloader(spec.uri, stagingName, this.abort.signal))
      if (this.cancelled) {
        await d.cancel({ deleteTempFile: false })
        throw cancelled(spec.uri)
      }
      if (d.totalFiles > 1) {
        await d.cancel({ deleteTempFile: false })
        throw new WardenError('INVALID_INPUT', `${spec.uri} is a model split into ${d.totalFiles} files, which Warden cannot install yet`, {
          hint: 'Choose a quantization that comes as a single .gguf file.',
        })
      }
      const serverSize = d.totalSize > 0 ? d.totalSize : null
      if (this.size != null && serverSize != null && serverSize !== this.size) {
        await d.cancel({ deleteTempFile: false })
        throw new WardenError('CHECKSUM_MISMATCH', `${spec.uri} has ${serverSize} bytes, but ${fileName} should have ${this.size}; nothing was downloaded`, {
          hint: 'The file on the server is not the expected one (it may have been updated); check the model’s source.',
        })
      }
      const temp = d.entrypointFilePath + PARTIAL_SUFFIX
      await dropStaleCompleted(d)
      const resumedFrom = Math.min(d.downloadedSize, serverSize ?? Number.POSITIVE_INFINITY)
      const total = serverSize ?? this.size
      if (total != null && (serverSize != null || !stagingName)) {
        try {
          await installer.checkSpace(fileName, total, await allocatedBytes(temp))
        } catch (error) {
          await d.cancel({ deleteTempFile: false })
          throw error
        }
      }

      this.phase = 'downloading'
      this.progress.bytesTotal = total
      this.update(resumedFrom, false)
      await this.download(d)

      this.phase = 'verifying'
      const { size, sha256 } = await this.verify(d.entrypointFilePath, serverSize)
      await fsp.rename(d.entrypointFilePath, this.finalPath)
      await fsyncDir(installer.modelsDir)
      await fsp.rmdir(installer.partialDir).catch(() => undefined)
      return { path: this.finalPath, fileName, size, sha256, resumedFrom }
    } catch (error) {
      throw describeFailure(error, spec.uri, fileName)
    }
  }

  /** Runs node-llama-cpp's download, with our stall and retry limits, cancellation, and throttled progress. */
  private async download(d: ModelDownloader): Promise<void> {
    const { installer, spec } = this
    let lastAdvance = Date.now()
    let failuresInRow = 0
    let lastError: unknown = null
    let best = this.progress.bytesDownloaded
    let stopping: Promise<void> | null = null
    let halted = () => {}
    const haltedPromise = new Promise<void>((resolve) => (halted = resolve))
    const halt = (failure?: WardenError) => {
      if (failure && !this.failure) this.failure = failure
      stopping ??= d
        .cancel({ deleteTempFile: false })
        .catch(() => undefined)
        .then(() => halted())
    }
    this.stop = () => halt()
    let running: Promise<unknown> | null = null
    // ipull may still rename its file after cancel() resolved: let download() settle (briefly) first.
    const settled = () => Promise.race([running?.catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())])
    const onRetry = (_count: number, error: unknown) => {
      lastError = error
      if (++failuresInRow > installer.maxRetries)
        halt(new WardenError('DOWNLOAD_FAILED', `Downloading ${spec.uri} failed ${failuresInRow} times in a row: ${errorText(error)}`, { hint: RETRY_HINT, cause: error }))
    }
    const engines = ((d as unknown as DownloaderInternals)._specificFileDownloaders ?? []).map((e) => e._engine?.options?.fetchStream).filter((s): s is RetryEvents => typeof s?.on === 'function')
    for (const e of engines) e.on('errorCountIncreased', onRetry)
    const timer = setInterval(() => {
      const now = d.downloadedSize
      if (now > best) {
        best = now
        lastAdvance = Date.now()
        failuresInRow = 0
        this.update(now, false)
      }
      if (Date.now() - lastAdvance > installer.stallTimeoutMs) {
        const why = lastError ? `: ${errorText(lastError)}` : ''
        halt(new WardenError('DOWNLOAD_FAILED', `Downloading ${spec.uri} stalled: no data for ${seconds(installer.stallTimeoutMs)}${why}`, { hint: RETRY_HINT, cause: lastError ?? undefined }))
      }
    }, PROGRESS_INTERVAL_MS)
    try {
      if (this.cancelled) halt()
      else {
        // Once closed, download() resolves, except while ipull sits in its retry loop (a failing
        // server): that loop ignores the close and retries on (writing nothing), so do not wait for it.
        running = d.download()
        running.catch(() => undefined)
        await Promise.race([running, haltedPromise])
      }
    } catch (error) {
      await stopping
      await settled()
      await restorePartial(d)
      throw this.failure ?? (this.cancelled ? cancelled(spec.uri) : error)
    } finally {
      clearInterval(timer)
      for (const e of engines) e.off('errorCountIncreased', onRetry)
      this.stop = null
    }
    if (stopping || this.failure || this.cancelled) {
      // download() resolves when closed by cancel(); the file is partial.
      await stopping
      await settled()
      await restorePartial(d)
      throw this.failure ?? cancelled(spec.uri)
    }
  }

  /** Size, GGUF magic and sha256 of the completed download; a bad file is removed. */
  private async verify(file: string, serverSize: number | null): Promise<{ size: number; sha256: string | null }> {
    const { spec, fileName } = this
    try {
      const size = (await fsp.stat(file)).size
      if (serverSize != null && size !== serverSize)
        throw new WardenError('DOWNLOAD_FAILED', `Downloading ${spec.uri} gave ${size} bytes, but the server announced ${serverSize}`, { hint: RETRY_HINT })
      if (this.size != null && size !== this.size)
        throw new WardenError('CHECKSUM_MISMATCH', `${fileName} from ${spec.uri} has ${size} bytes, but should have ${this.size}; it was removed`, {
          hint: 'The file on the server is not the expected one; check the model’s source.',
        })
      const magic = await readMagic(file)
      if (magic !== 'GGUF')
        throw new WardenError('INVALID_INPUT', `${spec.uri} is not a GGUF model file (it starts with ${JSON.stringify(magic)}, not "GGUF"); it was removed`, {
          hint: 'Check that the link points at the .gguf file itself (a Hugging Face “resolve” link, not a web page).',
        })
      let sha256: string | null = null
      if (this.sha256) {
        sha256 = await sha256File(file)
        if (sha256 !== this.sha256)
          throw new WardenError('CHECKSUM_MISMATCH', `${fileName} from ${spec.uri} does not match the expected sha256 (expected ${this.sha256}, got ${sha256}); it was removed`, {
            hint: 'Install again; if it happens again, the file on the server differs from the expected one.',
          })
      }
      await fsyncPath(file)
      return { size, sha256 }
    } catch (error) {
      await fsp.rm(file, { force: true })
      throw error
    }
  }

  private update(bytes: number, force: boolean): void {
    const total = this.progress.bytesTotal
    // Until the download really finished, stay below 100% (ipull over-counts a finished last chunk).
    const capped = total != null ? Math.min(bytes, Math.max(0, total - 1)) : bytes
    this.progress.bytesDownloaded = Math.max(this.progress.bytesDownloaded, capped)
    this.progress.percent = total ? Math.floor((this.progress.bytesDownloaded / total) * 1000) / 10 : null
    this.publish(force)
  }

  /** At most one event per caller per 100 ms (the last one always goes out). */
  private publish(force: boolean): void {
    const now = Date.now()
    for (const c of this.callers) if (force || (now - c.lastSent >= PROGRESS_INTERVAL_MS - 10 && c.sentBytes !== this.progress.bytesDownloaded)) this.send(c, now)
  }

  private send(c: Caller, now: number): void {
    c.lastSent = now
    c.sentBytes = this.progress.bytesDownloaded
    safeCall(c.onProgress, { ...this.progress })
  }
}

// ---------------------------------------------------------------------------------------------

class StartTimeout extends Error {}

function normalizeSpec(spec: InstallSpec): Normalized {
  const uri = typeof spec?.uri === 'string' ? spec.uri.trim() : ''
  const isHf = HF_PREFIX.test(uri)
  let url: URL | null = null
  if (!isHf) {
    try {
      url = new URL(uri)
    } catch {
      url = null
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new WardenError('INVALID_INPUT', `Cannot download ${JSON.stringify(uri)}: not an hf: URI or an http(s) URL`, {
        hint: 'Give an hf:user/repo/file.gguf URI or an https:// link to a .gguf file.',
      })
  }
  let fileName = spec.fileName ?? null
  if (fileName != null) checkFileName(fileName, `fileName ${JSON.stringify(fileName)}`)
  else if (url) {
    let last = ''
    try {
      last = decodeURIComponent(url.pathname.split('/').pop() ?? '')
    } catch {
      last = ''
    }
    checkFileName(last, `the file name ${JSON.stringify(last)} taken from ${uri}`)
    fileName = last
  }
  let sha256: string | null = null
  if (spec.sha256 != null) {
    if (!/^[0-9a-f]{64}$/i.test(spec.sha256)) throw new WardenError('INVALID_INPUT', `sha256 ${JSON.stringify(spec.sha256)} is not 64 hex digits`)
    sha256 = spec.sha256.toLowerCase()
  }
  if (spec.size != null && !(Number.isSafeInteger(spec.size) && spec.size > 0)) throw new WardenError('INVALID_INPUT', `size ${String(spec.size)} is not a positive whole number of bytes`)
  return { uri, fileName, sha256, size: spec.size ?? null, isHf }
}

function checkFileName(name: string, what: string): void {
  const bad =
    name === '' ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.endsWith(' ') ||
    name.includes(TEMP_MARKER) ||
    Buffer.byteLength(name) > 200 ||
    // eslint-disable-next-line no-control-regex
    /[/\\<>:"|?*\u0000-\u001f\u007f]/.test(name)
  if (bad) throw new WardenError('INVALID_INPUT', `${what} cannot be used as a file name in the models folder`, { hint: 'Give a plain file name such as model.Q4_K_M.gguf.' })
}

async function installedAt(file: string, size: number | null): Promise<boolean> {
  try {
    const st = await fsp.stat(file)
    return st.isFile() && (size == null || st.size === size)
  } catch {
    return false
  }
}

/** Bytes really on disk for a (sparse) partial download. */
async function allocatedBytes(file: string): Promise<number> {
  try {
    const st = await fsp.stat(file)
    return st.blocks ? st.blocks * 512 : 0
  } catch {
    return 0
  }
}

async function defaultFreeSpace(dir: string): Promise<number> {
  const st = await fsp.statfs(dir)
  return Number(st.bavail) * Number(st.bsize)
}

/** A completed-but-unverified file left by a crash is not trusted; ipull downloads into the .ipull file anyway. */
async function dropStaleCompleted(d: ModelDownloader): Promise<void> {
  // A partial file that ipull renamed too early (see restorePartial) is still resumable.
  await restorePartial(d)
}

/**
 * After a cancel or failure: when ipull (over-counting) renamed the partial file to the completed
 * name, rename it back so the next install resumes; the data ends with ipull's metadata, so the file
 * is longer than the model. Anything else there is not trusted.
 */
async function restorePartial(d: ModelDownloader): Promise<void> {
  try {
    const staging = d.entrypointFilePath
    // ipull believes it is complete (over-counting): its rename may still be on its way.
    for (let i = 0; i < 20 && d.totalSize > 0 && d.downloadedSize >= d.totalSize && !(await exists(staging)); i++) await new Promise((r) => setTimeout(r, 50))
    if (!(await exists(staging)) || (await exists(staging + PARTIAL_SUFFIX))) return
    const { size } = await fsp.stat(staging)
    if (d.totalSize > 0 && size > d.totalSize) await fsp.rename(staging, staging + PARTIAL_SUFFIX)
    else await fsp.rm(staging, { force: true })
  } catch (error) {
    // Best effort: at worst the next install starts from zero.
    log.warn(`Could not keep the partial download ${d.entrypointFilePath} for the next install`, { err: error })
  }
}

function release(r: Resolution): void {
  r.used = true
  r.downloader.cancel({ deleteTempFile: false }).catch(() => undefined)
}

async function readMagic(file: string): Promise<string> {
  const handle = await fsp.open(file, 'r')
  try {
    const buf = Buffer.alloc(4)
    const { bytesRead } = await handle.read(buf, 0, 4, 0)
    return buf.subarray(0, bytesRead).toString('latin1')
  } finally {
    await handle.close()
  }
}

function cancelled(uri: string): WardenError {
  return new WardenError('CANCELLED', `Install of ${uri} was cancelled`, { hint: 'Install again to resume where it stopped.' })
}

/** Turns what node-llama-cpp/ipull throw into a WardenError that names the model and what to do. */
function describeFailure(error: unknown, uri: string, fileName: string): WardenError {
  if (error instanceof WardenError) return error
  const e = (error ?? {}) as { statusCode?: unknown; statusText?: unknown; url?: unknown; code?: unknown }
  if (typeof e.statusCode === 'number') {
    const where = typeof e.url === 'string' ? e.url : uri
    const status = `HTTP ${e.statusCode}${typeof e.statusText === 'string' && e.statusText ? ` ${e.statusText}` : ''}`
    if (e.statusCode === 404 || e.statusCode === 410)
      return new WardenError('NOT_FOUND', `Model file ${fileName} not found at ${where} (${status})`, {
        hint: 'Check the URL or hf: URI (user, repository and file name).',
        cause: error,
      })
    if (e.statusCode === 401 || e.statusCode === 403)
      return new WardenError('DOWNLOAD_FAILED', `Access to ${where} was refused (${status})`, {
        hint: 'The model may be gated or private: accept its terms on Hugging Face and set an access token (HF_TOKEN).',
        cause: error,
      })
    return new WardenError('DOWNLOAD_FAILED', `Downloading ${fileName} from ${where} failed (${status})`, { hint: RETRY_HINT, cause: error })
  }
  if (e.code === 'ENOSPC')
    return new WardenError('NO_SPACE', `The disk filled up while downloading ${fileName}`, { hint: 'Free some disk space and install again; the download resumes.', cause: error })
  const text = errorText(error)
  if (/does not exist/i.test(text)) return new WardenError('NOT_FOUND', `Model ${uri} not found: ${text}`, { hint: 'Check the hf: URI (user, repository, quantization).', cause: error })
  if (/^Invalid (Hugging Face URI|URL)/i.test(text)) return new WardenError('INVALID_INPUT', text, { hint: 'Give an hf:user/repo/file.gguf URI or an https:// link.', cause: error })
  return new WardenError('DOWNLOAD_FAILED', `Downloading ${fileName} from ${uri} failed: ${text}`, { hint: RETRY_HINT, cause: error })
}

/** "terminated (other side closed)": the message with its causes. */
function errorText(error: unknown): string {
  const parts: string[] = []
  let e: unknown = error
  for (let i = 0; i < 4 && e != null; i++) {
    const message = e instanceof Error ? e.message : String(e)
    if (message && !parts.includes(message)) parts.push(message)
    e = e instanceof Error ? e.cause : null
  }
  return parts.length ? parts[0] + (parts.length > 1 ? ` (${parts.slice(1).join('; ')})` : '') : 'unknown error'
}

/** Why a server does not answer, for the message (a quick HEAD of the URL). */
async function diagnose(uri: string, headers?: Record<string, string>): Promise<string | null> {
  if (!/^https?:\/\//i.test(uri)) return null
  try {
    const res = await fetch(uri, { method: 'HEAD', headers, signal: AbortSignal.timeout(5000) })
    return res.ok ? null : `HTTP ${res.status}`
  } catch (error) {
    return errorText(error)
  }
}

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

function safeCall(fn: ((p: InstallProgress) => void) | undefined, p: InstallProgress): void {
  try {
    fn?.(p)
  } catch (error) {
    // A listener's failure is not the download's, but it is a bug.
    log.error('A download progress listener failed', { err: error })
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}

function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[i]}`
}
