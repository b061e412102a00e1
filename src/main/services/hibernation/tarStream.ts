import * as zlib from 'node:zlib'
import type * as tar from 'tar'
import { WardenError } from '../../../shared/errors'
import { openRegularFile } from '../fs/regularFile'
import { createTimeSlicer } from '../fs/timeSlicer'
import type { ArchiveLimits } from './entryChecks'

/** Compressed bytes read at a time. */
const READ_CHUNK = 256 * 1024
/**
 * Inflated bytes handed to the tar parser at a time. Entries are handled synchronously from the
 * parser's callbacks, so this bounds both the memory in flight and how long the event loop is held.
 */
const INFLATE_CHUNK = 64 * 1024
/** Below this many inflated bytes the compression ratio is not judged (tiny, repetitive archives are fine). */
export const RATIO_FLOOR_BYTES = 16 * 1024 * 1024
/** No byte read from the file for this long: the read is given up (a hung network share). */
const STALL_MS = 60_000
/** Tar's own bytes per entry (header, padding, a PAX record): allowed above the files' own sizes. */
const TAR_OVERHEAD_PER_ENTRY = 2048

export interface PumpOptions {
  /** The file's name, for messages. */
  label: string
  /**
   * Limits on what the archive inflates to, checked as the bytes flow (never after inflating it in
   * memory). Null for Warden's own archives, whose checksum matched: they may be as big as the
   * module was.
   */
  limits: ArchiveLimits | null
  /** Stop reading as soon as this says so (a refused entry, a failed write). */
  stop: () => boolean
  /** Field name for errors about the path. Defaults to `file`. */
  field?: string
}

/** Refusals decided here; the caller turns other errors (bad gzip, bad tar) into its own messages. */
export function bombError(label: string, message: string): WardenError {
  return new WardenError('UNSAFE_ARCHIVE', `Refused ${label}: ${message} (a gzip bomb?)`, {
    hint: 'Nothing was written. Only wake archives you trust; npm pack tarballs are accepted.',
  })
}

/**
 * Stream a .tgz into a tar parser: read, inflate and parse a bounded slice at a time, counting the
 * inflated bytes as they come. An archive that inflates past the limits (total bytes, ratio to its
 * compressed size) is refused at that moment, with memory bounded whatever the archive holds; the
 * event loop gets a turn between slices. Resolves once the parser has ended, unless `stop()` said
 * to stop (the caller reports why).
 */
export async function pumpTarGz(file: string, parser: tar.Parser, options: PumpOptions): Promise<void> {
  const { limits, label } = options
  const maxInflated = limits ? limits.maxUnpackedBytes + limits.maxEntries * TAR_OVERHEAD_PER_ENTRY : Infinity
  const maxRatio = limits ? limits.maxCompressionRatio : Infinity
  const handle = await openRegularFile(file, options.field ?? 'file', 'a .tgz file')
  const source = handle.createReadStream({ highWaterMark: READ_CHUNK })
  const gunzip = zlib.createGunzip({ chunkSize: INFLATE_CHUNK })
  let compressed = 0
  let inflated = 0
  let stall: NodeJS.Timeout | null = null
  const fail = (error: Error) => {
    source.destroy(error)
    gunzip.destroy(error)
  }
  const watch = () => {
    if (stall) clearTimeout(stall)
    stall = setTimeout(() => fail(new WardenError('TIMEOUT', `Reading ${label} stalled for ${STALL_MS / 1000} s; gave up`, { hint: 'Nothing was written. Is the file on a network share that stopped answering?' })), STALL_MS)
  }
  source.on('data', (c: string | Buffer) => {
    compressed += c.length
    watch()
  })
  source.on('error', (e) => gunzip.destroy(e))
  source.pipe(gunzip)
  watch()
  const breathe = createTimeSlicer()
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      await breathe()
      inflated += chunk.length
      if (inflated > maxInflated) throw bombError(label, `it inflates to more than ${maxInflated} bytes`)
      if (inflated > RATIO_FLOOR_BYTES && inflated > compressed * maxRatio) throw bombError(label, `it inflates to over ${maxRatio} times its compressed size`)
      parser.write(chunk)
      if (options.stop()) return
    }
    if (options.stop()) return
    await new Promise<void>((resolve) => {
      parser.once('end', () => resolve())
      parser.end()
    })
  } finally {
    if (stall) clearTimeout(stall)
    source.unpipe(gunzip)
    source.destroy()
    gunzip.destroy()
    await handle.close().catch(() => undefined)
  }
}
