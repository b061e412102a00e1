import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

// A real HTTP server on 127.0.0.1 that serves generated "models" with Range and HEAD support, and
// can misbehave: throttle, drop the connection or truncate the body at a file offset, answer an
// error status. Faults apply to Range requests only: ipull first probes the size with a plain GET
// whose body it never reads, then downloads with Range requests (5 MiB chunks, up to 3 at a time).

export const MiB = 1024 * 1024
export const CHUNK = 5 * MiB

export interface Served {
  data: Buffer
  /** Per request. */
  bytesPerSec?: number
  /** Answer this status instead (to Range requests only when `statusOnRange`). */
  status?: number
  statusOnRange?: boolean
  /** Stop sending when a Range response reaches this file offset, `faults` times. */
  cutAt?: number
  faults?: number
  /** end: end the socket (a body shorter than its Content-Length); destroy: drop the connection; hang: send nothing more. */
  how?: 'end' | 'destroy' | 'hang'
}

export interface Logged {
  method: string
  path: string
  range: string | null
  status: number
  bytes: number
  done: boolean
}

export interface TestServer {
  base: string
  files: Map<string, Served>
  log: Logged[]
  close(): Promise<void>
}


/** Start the server; the caller closes it. */
export async function startModelServer(): Promise<TestServer> {
  const files = new Map<string, Served>()
  const log: Logged[] = []
  const server = http.createServer((req, res) => void serve(req, res))
  async function serve(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const entry: Logged = { method: req.method ?? '', path: url.pathname, range: req.headers.range ?? null, status: 0, bytes: 0, done: false }
    log.push(entry)
    const f = files.get(url.pathname)
    if (!f || (f.status && (!f.statusOnRange || entry.range))) {
      entry.status = f?.status ?? 404
      res.writeHead(entry.status, { 'content-type': 'text/plain' }).end('no')
      return
    }
    const size = f.data.length
    let start = 0
    let end = size - 1
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' }
    const m = entry.range ? /^bytes=(\d+)-(\d*)$/.exec(entry.range) : null
    if (m) {
      start = Number(m[1])
      end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1
      headers['content-range'] = `bytes ${start}-${end}/${size}`
    }
    headers['content-length'] = String(end - start + 1)
    entry.status = m ? 206 : 200
    res.writeHead(entry.status, headers)
    if (req.method === 'HEAD') {
      entry.done = true
      res.end()
      return
    }
    let closed = false
    res.on('close', () => (closed = true))
    const piece = 64 * 1024
    for (let pos = start; pos <= end && !closed; ) {
      let n = Math.min(piece, end + 1 - pos)
      const cut = m && f.cutAt != null && (f.faults ?? 0) > 0 && pos < f.cutAt && pos + n >= f.cutAt
      if (cut) n = f.cutAt! - pos
      if (n > 0) {
        const ok = res.write(f.data.subarray(pos, pos + n))
        pos += n
        entry.bytes += n
        if (!ok) await drainOrClose(res)
      }
      if (cut) {
        f.faults!--
        await sleep(20)
        if (f.how === 'end') res.socket?.end()
        else if (f.how === 'hang') await new Promise((resolve) => res.once('close', resolve))
        else res.socket?.destroy()
        return
      }
      if (f.bytesPerSec) await sleep((1000 * piece) / f.bytesPerSec)
    }
    if (!closed) {
      entry.done = true
      res.end()
    }
  }
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const s: TestServer = {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    files,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return s
}

function drainOrClose(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/** "GGUF" and then xorshift bytes: deterministic, incompressible. */
export function modelBytes(size: number, seed = 1, magic = 'GGUF'): Buffer {
  const b = Buffer.alloc(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    b.writeUInt32LE(x, i)
  }
  b.write(magic, 0, 'latin1')
  return b
}
