/**
 * One download of one target file, shared by every caller that asks for it meanwhile: the disk
 * space check, the download (through `downloader.ts`), the checks of the completed file, the move to
 * its final name, and progress to each caller.
 */
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import type { ModelDownloader } from 'node-llama-cpp'
import { WardenError } from '../../../shared/errors'
import { fsyncDir, fsyncPath, sha256File, shortLabel } from '../fs/atomic'
import { download, dropStaleCompleted, PARTIAL_SUFFIX, PROGRESS_INTERVAL_MS } from './downloader'
import { cancelled, describeFailure, RETRY_HINT } from './installErrors'
import type { NormalizedSpec } from './installSpec'

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

/** What a job needs of its installer. */
export interface InstallContext {
  readonly modelsDir: string
  /** The folder of downloads in progress. */
  readonly partialDir: string
  readonly stallTimeoutMs: number
  readonly maxRetries: number
  /** Throws NO_SPACE unless `total` bytes (less the `onDisk` already there) fit, with a margin. */
  checkSpace(fileName: string, total: number, onDisk: number): Promise<void>
  createDownloader(uri: string, stagingName: string | undefined, signal?: AbortSignal): Promise<ModelDownloader>
}

interface Caller {
  onProgress?: (p: InstallProgress) => void
  lastSent: number
  sentBytes: number
  resolve(value: InstalledFile): void
  reject(error: unknown): void
  cleanup(): void
}

/** One download of one target file, shared by every caller that asks for it meanwhile. */
export class InstallJob {
  readonly callers = new Set<Caller>()
  readonly finalPath: string
  readonly progress: InstallProgress
  sha256: string | null
  size: number | null
  phase: 'starting' | 'downloading' | 'verifying' = 'starting'
  cancelled = false
  settled: Promise<void> = Promise.resolve()
  private readonly abort = new AbortController()

  constructor(
    private readonly installer: InstallContext,
    private readonly spec: NormalizedSpec,
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
  join(s: NormalizedSpec): void {
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
    // Stops the download (downloader.ts listens), or the start that is under way.
    this.abort.abort()
  }

  private async run(): Promise<InstalledFile> {
    const { installer, spec, fileName } = this
    try {
      await fsp.mkdir(installer.modelsDir, { recursive: true })
      if (await installedAt(this.finalPath, this.size)) return await alreadyInstalled(this.finalPath, { ...spec, sha256: this.sha256 })

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
      await download(d, {
        uri: spec.uri,
        from: this.progress.bytesDownloaded,
        stallTimeoutMs: installer.stallTimeoutMs,
        maxRetries: installer.maxRetries,
        onAdvance: (bytes) => this.update(bytes, false),
        signal: this.abort.signal,
      })

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

/** The file installed already: checked against the expected sha256, reported as complete. */
export async function alreadyInstalled(file: string, s: NormalizedSpec, onProgress?: (p: InstallProgress) => void): Promise<InstalledFile> {
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

export async function installedAt(file: string, size: number | null): Promise<boolean> {
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

function safeCall(fn: ((p: InstallProgress) => void) | undefined, p: InstallProgress): void {
  try {
    fn?.(p)
  } catch {
    // A listener's failure is not the download's.
  }
}
