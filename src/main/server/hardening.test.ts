import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir, writeModule } from '../../../test/fixtures'
import { closedWithin, healthStatus, openSocket, rawExchange, rawWebSocket, statusOf, wsFrame } from '../../../test/sockets'
import { WardenHost } from '../services/host/WardenHost'
import { startServer, type RunningServer, type ServerOptions } from './startServer'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function serve(options: Partial<ServerOptions> = {}, home = tempDir('warden-home-')): Promise<{ server: RunningServer; host: WardenHost; ws: string }> {
  const ws = tempDir('warden-ws-')
  writeModule(ws, { name: 'hello' })
  const host = new WardenHost({ home, runtime: 'server' })
  await host.openWorkspace(ws)
  const server = await startServer(host, { port: 0, rendererDir: null, ...options })
  cleanups.push(() => host.shutdown(), () => server.close())
  return { server, host, ws }
}

/** A raw request; `Connection: close` after the first line so the reply ends with the connection. */
const req = (server: RunningServer, lines: string) => rawExchange(server.port, lines.replace('\n', '\nConnection: close\n').replace(/\n/g, '\r\n'))

describe('no request takes the server down', () => {
  it('answers `GET //` and other odd request targets with 400, on HTTP and on the WebSocket upgrade', async () => {
    const { server } = await serve()
    for (const target of ['//', '//evil.example/x', 'http://127.0.0.1/api/health', '*', '/%', '/api/op/%zz', '/\u00ff']) {
      const reply = await req(server, `GET ${target} HTTP/1.1\nHost: 127.0.0.1\n\n`)
      expect([400, 401, 404, 503], `GET ${target}: ${reply.slice(0, 80)}`).toContain(statusOf(reply))
      expect(await healthStatus(server.port)).toBe(200)
    }
    const upgrade = await req(server, `GET // HTTP/1.1\nHost: 127.0.0.1\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n`)
    expect(statusOf(upgrade)).toBe(401)
    expect(await healthStatus(server.port)).toBe(200)
  })

  it('survives malformed request lines and headers', async () => {
    const { server } = await serve()
    const garbage = [
      'GARBAGE\n\n',
      'GET / HTTP/9.9\n\n',
      `GET / HTTP/1.1\nHost: 127.0.0.1\nX-Big: ${'a'.repeat(64 * 1024)}\n\n`,
      'GET / HTTP/1.1\nHost: 127.0.0.1\nContent-Length: -1\n\n',
      'POST /api/op/module.list HTTP/1.1\nHost: 127.0.0.1\nTransfer-Encoding: chunked\n\nzz\n',
      'GET / HTTP/1.1\nHost: 127.0.0.1\nbad header\n\n',
      '\u0000\u0001\u0002\n\n',
    ]
    for (const g of garbage) {
      const reply = await req(server, g)
      expect(statusOf(reply), JSON.stringify(g.slice(0, 40))).toBeGreaterThanOrEqual(400)
      expect(await healthStatus(server.port)).toBe(200)
    }
  })

  it('closes an authenticated WebSocket that sends a malformed frame, and keeps serving everyone else', async () => {
    const { server } = await serve()
    const frames: Array<[string, Buffer]> = [
      ['unmasked frame', wsFrame({ opcode: 1, payload: Buffer.from('{}'), mask: false })],
      ['invalid opcode', wsFrame({ opcode: 3, payload: Buffer.from('x') })],
      ['invalid UTF-8', wsFrame({ opcode: 1, payload: Buffer.from([0xc3, 0x28]) })],
      ['length over the limit', wsFrame({ opcode: 1, payload: Buffer.alloc(0), declaredLength: 2 ** 40 })],
      ['fragmented control frame', wsFrame({ opcode: 9, payload: Buffer.from('p'), fin: false })],
    ]
    const bystander = await openSocket(server.port, server.token)
    cleanups.push(() => bystander.terminate())
    for (const [what, frame] of frames) {
      const socket = await rawWebSocket(server.port, server.token)
      socket.write(frame)
      expect(await closedWithin(socket), what).toBe('closed')
      expect(await healthStatus(server.port), what).toBe(200)
    }
    const answer = new Promise<{ result: { ok: boolean } }>((resolve) => bystander.once('message', (d) => resolve(JSON.parse(d.toString()))))
    bystander.send(JSON.stringify({ type: 'call', id: 'still-there', op: 'app.info', input: {} }))
    expect((await answer).result.ok).toBe(true)
  })

  it('bounds what it holds for a WebSocket client that stops reading: that connection is closed, the server stays up', async () => {
    const { server, ws } = await serve({ limits: { socketBufferedBytes: 512 * 1024 } })
    // Each answer to module.list is then some 40 KB.
    for (let i = 0; i < 60; i++) writeModule(ws, { name: `module-${i}`, pkg: { description: 'x'.repeat(300) } })
    const socket = await rawWebSocket(server.port, server.token)
    socket.pause() // never reads again
    let closed = false
    socket.once('close', () => (closed = true))
    const call = (i: number) => wsFrame({ opcode: 1, payload: Buffer.from(JSON.stringify({ type: 'call', id: `c${i}`, op: 'module.list', input: {} })) })
    // Far more output than the limit plus what the kernel's socket buffers hold.
    for (let i = 0; i < 3000 && !closed; i++) {
      socket.write(call(i))
      if (i % 16 === 15) await new Promise((r) => setTimeout(r, 30))
    }
    for (let i = 0; i < 100 && !closed; i++) await new Promise((r) => setTimeout(r, 50))
    expect(closed, 'the server closed the connection of the client that does not read').toBe(true)
    expect(await healthStatus(server.port)).toBe(200)
  })

  it('answers a call beyond the per-connection limit with BUSY instead of queueing it', async () => {
    const { server } = await serve()
    const ws = await openSocket(server.port, server.token)
    cleanups.push(() => ws.terminate())
    const results: Array<{ id: string; result: { ok: boolean; error?: { code: string } } }> = []
    ws.on('message', (d) => results.push(JSON.parse(d.toString())))
    // Verifications wait for the workspace lock one after another, so these are in flight together.
    for (let i = 0; i < 40; i++) ws.send(JSON.stringify({ type: 'call', id: `h${i}`, op: 'module.verify', input: {} }))
    for (let i = 0; i < 200 && results.length < 40; i++) await new Promise((r) => setTimeout(r, 50))
    expect(results.length).toBe(40)
    expect(results.some((r) => r.result.error?.code === 'BUSY')).toBe(true)
    expect(results.filter((r) => r.result.ok).length).toBeGreaterThanOrEqual(32)
  })
})

describe('the HTTP API checks who asks and what they send', () => {
  const call = (server: RunningServer, headers: Record<string, string>, body = '{}', op = 'module.list') =>
    fetch(`${server.url}api/op/${op}`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...headers }, body })

  it('refuses other origins and non-JSON bodies (a cross-site form post), accepts its own UI', async () => {
    const { server } = await serve()
    expect((await call(server, { origin: 'https://evil.example' })).status).toBe(403)
    expect((await call(server, { origin: 'http://127.0.0.1:1' })).status).toBe(403)
    expect((await call(server, { origin: `http://127.0.0.1:${server.port}` })).status).toBe(200)
    expect((await call(server, { origin: `http://localhost:${server.port}` })).status).toBe(200)
    const plain = await call(server, { 'content-type': 'text/plain' })
    expect(plain.status).toBe(415)
    expect((await plain.json()).error.message).toMatch(/application\/json/)
  })

  it('accepts the Bearer scheme in any case, and the token only in the header', async () => {
    const { server } = await serve()
    expect((await call(server, { authorization: `bearer ${server.token}` })).status).toBe(200)
    expect((await call(server, { authorization: `BEARER  ${server.token}` })).status).toBe(200)
    const inQuery = await fetch(`${server.url}api/op/module.list?token=${server.token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(inQuery.status).toBe(401)
  })

  it('answers a body over the limit with 413 (declared or streamed), and keeps serving', async () => {
    const { server } = await serve({ limits: { jsonBytes: 64 * 1024 } })
    const big = JSON.stringify({ name: 'x'.repeat(100 * 1024) })
    const declared = await call(server, {}, big)
    expect(declared.status).toBe(413)
    expect((await declared.json()).error.message).toMatch(/larger than 65,536 bytes/)
    // Chunked, so the size is only known as it arrives.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(16 * 1024)))
        c.close()
      },
    })
    const streamed = await fetch(`${server.url}api/op/module.list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(413)
    expect(await healthStatus(server.port)).toBe(200)
  })

  it('parses numbers strictly: `{"olderThan": null}` is refused, not read as 0 (which would archive everything)', async () => {
    const { server, host } = await serve()
    expect((await call(server, {}, JSON.stringify({ name: 'hello' }), 'module.hibernate')).status).toBe(200)
    for (const bad of [null, [], true, '', '30']) {
      const res = await call(server, {}, JSON.stringify({ olderThan: bad }), 'module.archive')
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect((await res.json()).error.message).toMatch(/olderThan/)
    }
    const listed = await host.invoke('module.listHibernated', {})
    expect(listed.ok && (listed.value as { modules: Array<{ location: string }> }).modules.map((m) => m.location)).toEqual(['hibernation'])
    // Settings typed as text on a command line are still read as numbers; text that is no number is refused.
    expect((await call(server, {}, JSON.stringify({ key: 'maxVRAM', value: '2048' }), 'config.set')).status).toBe(200)
    expect((await call(server, {}, JSON.stringify({ key: 'maxVRAM', value: '' }), 'config.set')).status).toBe(400)
  })
})

describe('secrets on disk', () => {
  it('creates its home user-only and keeps the database user-only', async () => {
    if (process.platform === 'win32') return
    const home = path.join(tempDir('warden-parent-'), 'home')
    await serve({}, home)
    expect(fs.statSync(home).mode & 0o777).toBe(0o700)
    expect(fs.statSync(path.join(home, 'warden.db')).mode & 0o777).toBe(0o600)
  })

  it('closes an older home and database that were open to others', async () => {
    if (process.platform === 'win32') return
    const home = tempDir('warden-old-home-')
    new WardenHost({ home, runtime: 'cli' }).dispose()
    fs.chmodSync(home, 0o755)
    fs.chmodSync(path.join(home, 'warden.db'), 0o644)
    new WardenHost({ home, runtime: 'cli' }).dispose()
    expect(fs.statSync(home).mode & 0o777).toBe(0o700)
    expect(fs.statSync(path.join(home, 'warden.db')).mode & 0o777).toBe(0o600)
  })

  it('writes server.json as a fresh user-only file: never keeping an older mode, never through a link', async () => {
    if (process.platform === 'win32') return
    const home = tempDir('warden-home-')
    fs.writeFileSync(path.join(home, 'server.json'), '{}', { mode: 0o644 })
    fs.chmodSync(path.join(home, 'server.json'), 0o644)
    const first = await serve({}, home)
    const file = path.join(home, 'server.json')
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    await first.server.close()

    const elsewhere = path.join(tempDir('warden-elsewhere-'), 'target.json')
    fs.writeFileSync(elsewhere, 'untouched', { mode: 0o644 })
    fs.rmSync(file, { force: true })
    fs.symlinkSync(elsewhere, file)
    const second = await startServer(first.host, { port: 0, rendererDir: null })
    cleanups.push(() => second.close())
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('untouched')
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(false)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).token).toBe(second.token)
  })
})

describe('found in review', () => {
  it('stops at once while a call is still streaming (a followed log): the call is cancelled, not waited for', async () => {
    const { server } = await serve()
    const following = fetch(`${server.url}api/op/logs.read`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ follow: true }),
    }).catch((error: unknown) => error)
    await new Promise((r) => setTimeout(r, 300))
    const closed = await Promise.race([server.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('still waiting'), 5000))])
    expect(closed).toBe('closed')
    await following
  })

  it('refuses a call id that is already running (from another connection), so the first stays cancellable', async () => {
    const { server, host } = await serve()
    const a = await openSocket(server.port, server.token)
    const b = await openSocket(server.port, server.token)
    cleanups.push(() => a.terminate(), () => b.terminate())
    const answers: Array<{ id: string; result: { ok: boolean; error?: { code: string } } }> = []
    b.on('message', (d) => answers.push(JSON.parse(d.toString())))
    a.send(JSON.stringify({ type: 'call', id: 'same', op: 'logs.read', input: { follow: true } }))
    await new Promise((r) => setTimeout(r, 200))
    b.send(JSON.stringify({ type: 'call', id: 'same', op: 'logs.read', input: { follow: true } }))
    for (let i = 0; i < 50 && answers.length === 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(answers[0]).toMatchObject({ id: 'same', result: { ok: false, error: { code: 'CONFLICT' } } })
    // The first call is still the one registered under that id: cancelling it works.
    expect(host.cancel('same')).toBe(true)
  })

  it('survives a log line too deep to send back, and answers the call', async () => {
    const { server, host } = await serve()
    fs.mkdirSync(path.join(host.home, 'logs'), { recursive: true })
    // JSON.stringify of 20,000 levels overflows the stack; build the line by hand.
    const line = `{"time":${Date.now()},"level":30,"source":"server","msg":"deep","data":${'{"d":'.repeat(20_000)}1${'}'.repeat(20_000)}}\n`
    fs.appendFileSync(path.join(host.home, 'logs', 'server.log'), line)
    const ws = await openSocket(server.port, server.token)
    cleanups.push(() => ws.terminate())
    const answer = new Promise<{ result: { ok: boolean } }>((resolve) => ws.on('message', (d) => resolve(JSON.parse(d.toString()))))
    ws.send(JSON.stringify({ type: 'call', id: 'deep', op: 'logs.read', input: {} }))
    expect((await answer).result.ok).toBe(true)
    expect(await healthStatus(server.port)).toBe(200)
  })

  it('never blocks on a FIFO put in place of a log file, reading or writing', async () => {
    if (process.platform === 'win32') return
    const { server, host } = await serve()
    const logs = path.join(host.home, 'logs')
    fs.mkdirSync(logs, { recursive: true })
    const { execFileSync } = await import('node:child_process')
    execFileSync('mkfifo', [path.join(logs, 'server.log')])
    const res = await Promise.race([
      fetch(`${server.url}api/op/logs.read`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{}' }),
      new Promise<null>((r) => setTimeout(() => r(null), 5000)),
    ])
    expect(res?.status).toBe(200)
  })
})
