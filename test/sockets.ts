import * as net from 'node:net'
import WebSocket from 'ws'

/** Send raw bytes to a port and collect what comes back until the server closes (or `ms` pass). */
export function rawExchange(port: number, bytes: string | Buffer, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let reply = ''
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(reply)
    }
    const timer = setTimeout(done, ms)
    socket.on('connect', () => socket.write(bytes))
    socket.on('data', (d) => (reply += d.toString('latin1')))
    socket.on('end', done)
    socket.on('close', done)
    socket.on('error', done)
  })
}

/** The status code of a raw HTTP reply ("HTTP/1.1 400 …" → 400), or 0 when the connection was closed without one. */
export function statusOf(reply: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply)
  return m ? Number(m[1]) : 0
}

/** An authenticated WebSocket to a Warden server, opened. */
export async function openSocket(port: number, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${token}` } })
  ws.on('error', () => undefined)
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  return ws
}

/** A WebSocket frame built by hand (RFC 6455), masked unless told otherwise, for frames no library would send. */
export function wsFrame(opts: { opcode: number; payload: Buffer; fin?: boolean; mask?: boolean; declaredLength?: number }): Buffer {
  const { opcode, payload, fin = true, mask = true } = opts
  const len = opts.declaredLength ?? payload.length
  const head: number[] = [(fin ? 0x80 : 0) | opcode]
  const maskBit = mask ? 0x80 : 0
  if (len < 126) head.push(maskBit | len)
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 0xff)
  else {
    head.push(maskBit | 127)
    const big = Buffer.alloc(8)
    big.writeBigUInt64BE(BigInt(len))
    head.push(...big)
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload])
  const key = Buffer.from([1, 2, 3, 4])
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]))
  return Buffer.concat([Buffer.from(head), key, masked])
}

/** Until the server answers its health check again (it must never stop answering). */
export async function healthStatus(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/health`)
  return res.status
}

/** A WebSocket handshake done by hand: the open TCP socket after the server's 101, to write frames on. */
export function rawWebSocket(port: number, token: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let head = ''
    const onData = (d: Buffer) => {
      head += d.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      socket.off('data', onData)
      if (statusOf(head) === 101) resolve(socket)
      else reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`))
    }
    socket.on('data', onData)
    socket.on('error', reject)
    socket.on('connect', () =>
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      ),
    )
  })
}

/** Resolves when the peer closes the socket (or after `ms`, to 'open'). */
export function closedWithin(socket: net.Socket, ms = 3000): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve('closed')
    const timer = setTimeout(() => resolve('open'), ms)
    socket.resume()
    socket.once('close', () => (clearTimeout(timer), resolve('closed')))
  })
}
