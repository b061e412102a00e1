import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { createWriteStream } from 'node:fs'
import * as path from 'node:path'
import { once } from 'node:events'
import * as zlib from 'node:zlib'
import { fsyncPath } from '../fs/atomic'
import { createTimeSlicer } from '../fs/timeSlicer'
import { WardenError } from '../../../shared/errors'
import type { Tree } from '../workspace/walk'

/** Bytes gathered before handing them to zlib. */
const BATCH_BYTES = 1 << 20
/** Files bigger than this are read in chunks rather than whole. */
const STREAM_ABOVE = 8 << 20

export interface WrittenArchive {
  sha256: string
  size: number
  /** sha256 of each file's content as it went into the archive. */
  fileHashes: Map<string, string>
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

function header(name: string, type: string, size: number, mode: number, mtimeSec: number, linkname = ''): Buffer {
  const h = Buffer.alloc(512)
  h.write(name, 0, 100, 'utf8')
  h.write(octal(mode & 0o7777, 8), 100, 'ascii')
  h.write(octal(0, 8), 108, 'ascii')
  h.write(octal(0, 8), 116, 'ascii')
  h.write(octal(size, 12), 124, 'ascii')
  h.write(octal(Math.max(0, Math.floor(mtimeSec)), 12), 136, 'ascii')
  h.write('        ', 148, 'ascii')
  h.write(type, 156, 'ascii')
  h.write(linkname, 157, 100, 'utf8')
  h.write('ustar\0', 257, 'ascii')
  h.write('00', 263, 'ascii')
  let sum = 0
  for (let i = 0; i < 512; i++) sum += h[i]
  h.write(octal(sum, 7) + ' ', 148, 'ascii')
  return h
}

function pad(size: number): Buffer {
  const rest = size % 512
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(512 - rest)
}

/** A PAX record "<len> key=value\n", where len counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  let len = Buffer.byteLength(body) + 1
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body)
  return `${len}${body}`
}

const fitsUstar = (s: string) => /^[\x20-\x7e]*$/.test(s) && s.length < 100

/** Header blocks for one entry: a PAX header first when the name or link is long or not ASCII. */
function entryHeaders(name: string, type: string, size: number, mode: number, mtimeSec: number, linkname = ''): Buffer[] {
  const out: Buffer[] = []
  const exactTime = !Number.isInteger(mtimeSec) || mtimeSec < 0
  if (!fitsUstar(name) || !fitsUstar(linkname) || exactTime) {
    let records = paxRecord('path', name)
    if (linkname) records += paxRecord('linkpath', linkname)
    if (exactTime) records += paxRecord('mtime', mtimeSec.toFixed(3))
    const body = Buffer.from(records, 'utf8')
    out.push(header(`PaxHeader/${name.slice(0, 80).replace(/[^\x20-\x7e]/g, '_')}`, 'x', body.length, 0o644, mtimeSec), body, pad(body.length))
  }
  // The ustar fields hold a readable fallback where PAX carries the real value (readers insist on a
  // non-empty link name even then).
  const fallback = (v: string) => (fitsUstar(v) ? v : v.replace(/[^\x20-\x7e]/g, '_').slice(-99))
  out.push(header(fallback(name), type, size, mode, mtimeSec, fallback(linkname)))
  return out
}

/**
 * Write a module's tree as an npm-style .tgz (`package/…`, ustar + PAX for long or unicode names),
 * hashing every file as it is read and the archive as it is written; far fewer system calls and
 * zlib jobs than a general-purpose tar packer.
 */
export async function writeTarGz(
  root: string,
  tree: Tree,
  outFile: string,
  options: { prefix: string; gzipLevel: number; onProgress?: (fraction: number, message: string) => void },
): Promise<WrittenArchive> {
  const gzip = zlib.createGzip({ level: options.gzipLevel, memLevel: 9 })
  const out = createWriteStream(outFile, { flags: 'wx', highWaterMark: 1 << 20 })
  const archiveHash = createHash('sha256')
  let size = 0
  gzip.on('data', (chunk: Buffer) => {
    archiveHash.update(chunk)
    size += chunk.length
    if (!out.write(chunk)) gzip.pause()
  })
  out.on('drain', () => gzip.resume())
  const gzipDone = once(gzip, 'end')
  const fileHashes = new Map<string, string>()
  // Blocks are gathered into ~1 MB batches: one zlib job per batch instead of several per file,
  // and files are read synchronously while zlib compresses the previous batch on the thread pool.
  let batch: Buffer[] = []
  let batchBytes = 0
  const flush = async () => {
    if (!batchBytes) return
    const ok = gzip.write(Buffer.concat(batch, batchBytes))
    batch = []
    batchBytes = 0
    if (!ok) await once(gzip, 'drain')
  }
  const push = async (blocks: Buffer[]) => {
    for (const b of blocks) {
      if (!b.length) continue
      batch.push(b)
      batchBytes += b.length
    }
    if (batchBytes >= BATCH_BYTES) await flush()
  }
  let written = 0
  let lastReport = 0
  const report = (rel: string) => {
    const now = Date.now()
    if (options.onProgress && now - lastReport > 100) {
      lastReport = now
      options.onProgress(written / Math.max(1, tree.totalSize), `packing ${rel}`)
    }
  }
  const breathe = createTimeSlicer()
  try {
  for (const e of tree.entries) {
    await breathe()
    const abs = path.join(root, ...e.rel.split('/'))
    const mtimeSec = (e.mtimeMs ?? fs.lstatSync(abs).mtimeMs) / 1000
    const name = `${options.prefix}/${e.rel}`
    if (e.type === 'dir') {
      await push(entryHeaders(`${name}/`, '5', 0, e.mode, mtimeSec))
    } else if (e.type === 'symlink') {
      await push(entryHeaders(name, '2', 0, e.mode, mtimeSec, e.linkTarget ?? ''))
    } else if (e.size > STREAM_ABOVE) {
      // A big file is streamed in chunks: bounded memory, and the event loop keeps breathing.
      const hash = createHash('sha256')
      await push(entryHeaders(name, '0', e.size, e.mode, mtimeSec))
      const fd = fs.openSync(abs, 'r')
      try {
        let left = e.size
        while (left > 0) {
          const chunk = Buffer.allocUnsafe(Math.min(BATCH_BYTES, left))
          const n = fs.readSync(fd, chunk, 0, chunk.length, null)
          if (n === 0) throw new WardenError('CHECKSUM_MISMATCH', `${e.rel} shrank while it was being packed`, { hint: 'The module was left in place. Try again when it is not being written to.' })
          hash.update(chunk.subarray(0, n))
          await push([chunk.subarray(0, n)])
          left -= n
          written += n
          report(e.rel)
        }
      } finally {
        fs.closeSync(fd)
      }
      await push([pad(e.size)])
      fileHashes.set(e.rel, hash.digest('hex'))
    } else {
      const data = fs.readFileSync(abs)
      fileHashes.set(e.rel, createHash('sha256').update(data).digest('hex'))
      await push([...entryHeaders(name, '0', data.length, e.mode, mtimeSec), data, pad(data.length)])
      written += data.length
      report(e.rel)
    }
  }
  } catch (error) {
    gzip.destroy()
    out.destroy()
    throw error
  }
  await flush()
  gzip.end(Buffer.alloc(1024))
  await gzipDone
  out.end()
  await once(out, 'close')
  await fsyncPath(outFile)
  return { sha256: archiveHash.digest('hex'), size, fileHashes }
}
