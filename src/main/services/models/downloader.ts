/**
 * The adapter around node-llama-cpp's downloader (`createModelDownloader`, which uses ipull): it
 * starts a download, runs it with our limits, and works around what ipull does on its own.
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
 *   still works (`restorePartial`). Progress stays below 100% until the download really finished
 *   (the install job caps it).
 * - `download({signal})` resolves (does not throw) when cancelled, so cancellation is tracked here.
 */
import * as fsp from 'node:fs/promises'
import type { ModelDownloader } from 'node-llama-cpp'
import { WardenError } from '../../../shared/errors'
import { exists } from '../fs/atomic'
import { cancelled, describeFailure, errorText, RETRY_HINT, seconds } from './installErrors'

/** ipull's suffix for a download in progress. */
export const PARTIAL_SUFFIX = '.ipull'
/** How often a running download is looked at (progress, stall). */
export const PROGRESS_INTERVAL_MS = 100

/** The parts of ipull that node-llama-cpp does not expose: the per-file engines, for their retry events. */
interface DownloaderInternals {
  _specificFileDownloaders?: Array<{ _engine?: { options?: { fetchStream?: RetryEvents } } }>
}
interface RetryEvents {
  on(event: 'errorCountIncreased', listener: (count: number, error: unknown) => void): unknown
  off(event: 'errorCountIncreased', listener: (count: number, error: unknown) => void): unknown
}

class StartTimeout extends Error {}

export interface DownloaderOptions {
  uri: string
  /** The folder of downloads in progress. */
  dirPath: string
  /** ipull's name for the file; undefined lets node-llama-cpp name it (an hf: URI without a file name). */
  fileName: string | undefined
  headers?: Record<string, string>
  endpoints?: { huggingFace: string }
  /** Give up when starting takes longer than this. */
  stallTimeoutMs: number
  signal?: AbortSignal
}

/** node-llama-cpp's downloader, staged in `dirPath`; gives up after the stall timeout or on abort. */
export async function createDownloader(o: DownloaderOptions): Promise<ModelDownloader> {
  const { uri, signal } = o
  const { createModelDownloader } = await import('node-llama-cpp')
  const creating = createModelDownloader({
    modelUri: uri,
    dirPath: o.dirPath,
    fileName: o.fileName,
    headers: o.headers,
    endpoints: o.endpoints,
    showCliProgress: false,
    // The completed file is verified and moved by us; a leftover completed file is never trusted.
    skipExisting: false,
    deleteTempFileOnCancel: false,
  })
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const giveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StartTimeout()), o.stallTimeoutMs)
    onAbort = () => reject(cancelled(uri))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([creating, giveUp])
  } catch (error) {
    // ipull keeps retrying in the background; close whatever it makes, and swallow its failure.
    creating.then((d) => d.cancel({ deleteTempFile: false }), () => undefined).catch(() => undefined)
    if (error instanceof StartTimeout) {
      const cause = await diagnose(uri, o.headers)
      throw new WardenError('DOWNLOAD_FAILED', `Could not start downloading ${uri}: no answer within ${seconds(o.stallTimeoutMs)}${cause ? ` (${cause})` : ''}`, {
        hint: RETRY_HINT,
      })
    }
    throw describeFailure(error, uri, o.fileName ?? uri)
  } finally {
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  }
}

export interface DownloadLimits {
  uri: string
  /** Bytes already counted: `onAdvance` is called only beyond them. */
  from: number
  /** Give up when no new bytes arrived for this long. */
  stallTimeoutMs: number
  /** Give up after this many failed requests in a row with no new bytes between them. */
  maxRetries: number
  /** New bytes arrived (looked at every `PROGRESS_INTERVAL_MS`). */
  onAdvance(bytes: number): void
  /** Stops the download, which then throws CANCELLED; when aborted already, it never starts. */
  signal: AbortSignal
}

/**
 * Runs node-llama-cpp's download with our stall and retry limits and cancellation. Resolves when
 * every byte arrived; otherwise throws (DOWNLOAD_FAILED, CANCELLED, …) and leaves the partial file
 * resumable.
 */
export async function download(d: ModelDownloader, o: DownloadLimits): Promise<void> {
  let failure: WardenError | null = null
  let lastAdvance = Date.now()
  let failuresInRow = 0
  let lastError: unknown = null
  let best = o.from
  let stopping: Promise<void> | null = null
  let halted = () => {}
  const haltedPromise = new Promise<void>((resolve) => (halted = resolve))
  const halt = (reason?: WardenError) => {
    if (reason && !failure) failure = reason
    stopping ??= d
      .cancel({ deleteTempFile: false })
      .catch(() => undefined)
      .then(() => halted())
  }
  const onAbort = () => halt()
  o.signal.addEventListener('abort', onAbort, { once: true })
  let running: Promise<unknown> | null = null
  // ipull may still rename its file after cancel() resolved: let download() settle (briefly) first.
  const settled = () => Promise.race([running?.catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())])
  const onRetry = (_count: number, error: unknown) => {
    lastError = error
    if (++failuresInRow > o.maxRetries)
      halt(new WardenError('DOWNLOAD_FAILED', `Downloading ${o.uri} failed ${failuresInRow} times in a row: ${errorText(error)}`, { hint: RETRY_HINT, cause: error }))
  }
  const engines = ((d as unknown as DownloaderInternals)._specificFileDownloaders ?? []).map((e) => e._engine?.options?.fetchStream).filter((s): s is RetryEvents => typeof s?.on === 'function')
  for (const e of engines) e.on('errorCountIncreased', onRetry)
  const timer = setInterval(() => {
    const now = d.downloadedSize
    if (now > best) {
      best = now
      lastAdvance = Date.now()
      failuresInRow = 0
      o.onAdvance(now)
    }
    if (Date.now() - lastAdvance > o.stallTimeoutMs) {
      const why = lastError ? `: ${errorText(lastError)}` : ''
      halt(new WardenError('DOWNLOAD_FAILED', `Downloading ${o.uri} stalled: no data for ${seconds(o.stallTimeoutMs)}${why}`, { hint: RETRY_HINT, cause: lastError ?? undefined }))
    }
  }, PROGRESS_INTERVAL_MS)
  try {
    if (o.signal.aborted) halt()
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
    throw failure ?? (o.signal.aborted ? cancelled(o.uri) : error)
  } finally {
    clearInterval(timer)
    for (const e of engines) e.off('errorCountIncreased', onRetry)
    o.signal.removeEventListener('abort', onAbort)
  }
  if (stopping || failure || o.signal.aborted) {
    // download() resolves when closed by cancel(); the file is partial.
    await stopping
    await settled()
    await restorePartial(d)
    throw failure ?? cancelled(o.uri)
  }
}

/** A completed-but-unverified file left by a crash is not trusted; ipull downloads into the .ipull file anyway. */
export async function dropStaleCompleted(d: ModelDownloader): Promise<void> {
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
  } catch {
    // Best effort: at worst the next install starts from zero.
  }
}

/** Closes a downloader nobody will use (its partial file stays). */
export function closeDownloader(d: ModelDownloader): void {
  d.cancel({ deleteTempFile: false }).catch(() => undefined)
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
