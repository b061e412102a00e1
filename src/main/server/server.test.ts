import * as fs from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { tempDir, writeModule } from '../../../test/fixtures'
import { WardenHost } from '../services/host/WardenHost'
import { startServer, type RunningServer } from './startServer'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function serve(): Promise<{ server: RunningServer; host: WardenHost; ws: string }> {
  const ws = tempDir('warden-ws-')
  writeModule(ws, { name: 'hello' })
  writeModule(ws, { name: 'data-daemon', kind: 'daemons' })
  const host = new WardenHost({ home: tempDir('warden-home-'), runtime: 'server' })
  await host.openWorkspace(ws)
  const server = await startServer(host, { port: 0, rendererDir: null })
  cleanups.push(() => host.dispose(), () => server.close())
  return { server, host, ws }
}

const post = (server: RunningServer, op: string, body: unknown, token: string | null = server.token) =>
  fetch(`${server.url}api/op/${op}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })

describe('headless server', () => {
  it('listens on 127.0.0.1 only and requires the token', async () => {
    const { server } = await serve()
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(server.token).toMatch(/^[0-9a-f]{64}$/)
    const noToken = await post(server, 'module.list', {}, null)
    expect(noToken.status).toBe(401)
    expect((await noToken.json()).error.message).toContain('token')
    expect((await post(server, 'module.list', {}, 'f'.repeat(64))).status).toBe(401)
    const ok = await post(server, 'module.list', {})
    expect(ok.status).toBe(200)
    const body = await ok.json()
    expect(body.value.kinds.flatMap((k: { modules: Array<{ name: string }> }) => k.modules.map((m) => m.name)).sort()).toEqual(['data-daemon', 'hello'])
  })

  it('writes a user-only discovery file with port and token, removed on close', async () => {
    const { server, host } = await serve()
    const file = path.join(host.home, 'server.json')
    const st = fs.statSync(file)
    expect(st.mode & 0o777).toBe(0o600)
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ port: server.port, token: server.token })
    await server.close()
    expect(fs.existsSync(file)).toBe(false)
  })

  it('rejects invalid input through the schema with a clear message and a 4xx status', async () => {
    const { server } = await serve()
    const bad = await post(server, 'module.hibernate', { name: '../etc' })
    expect(bad.status).toBe(400)
    const body = await bad.json()
    expect(body.error.code).toBe('INVALID_INPUT')
    expect(body.error.message).toMatch(/name: a module name is/)
    const unknown = await post(server, 'module.explode', {})
    expect(unknown.status).toBe(404)
    const notJson = await fetch(`${server.url}api/op/module.list`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{nope' })
    expect(notJson.status).toBe(400)
    expect((await notJson.json()).error.message).toContain('not valid JSON')
    const missing = await post(server, 'module.wake', { name: 'ghost' })
    expect(missing.status).toBe(404)
  })

  it('refuses other Host headers (DNS rebinding)', async () => {
    const { server } = await serve()
    // fetch() may not set Host, so a raw request does.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/api/health', headers: { host: 'evil.example:80' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(403)
  })

  it('serves calls over the WebSocket and pushes events, including changes made on disk by another process', async () => {
    const { server, ws } = await serve()
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`)
    const messages: Array<Record<string, unknown>> = []
    socket.on('message', (d) => messages.push(JSON.parse(d.toString())))
    await new Promise((r) => socket.once('open', r))
    cleanups.push(() => socket.close())
    const waitFor = async (pred: (m: Record<string, unknown>) => boolean) => {
      for (let i = 0; i < 100; i++) {
        const found = messages.find(pred)
        if (found) return found
        await new Promise((r) => setTimeout(r, 50))
      }
      throw new Error(`no matching message in ${JSON.stringify(messages).slice(0, 500)}`)
    }
    socket.send(JSON.stringify({ type: 'call', id: 'c1', op: 'module.hibernate', input: { name: 'hello', reason: 'test' } }))
    const result = (await waitFor((m) => m.type === 'result' && m.id === 'c1')) as { result: { ok: boolean } }
    expect(result.result.ok).toBe(true)
    await waitFor((m) => m.type === 'event' && m.event === 'operation.progress' && (m.payload as { callId: string }).callId === 'c1')
    await waitFor((m) => m.type === 'event' && m.event === 'modules.changed' && (m.payload as { source: string }).source === 'operation')

    // Another process (here: a plain file write) changes the workspace: the socket hears about it.
    messages.length = 0
    writeModule(ws, { name: 'from-elsewhere' })
    await waitFor((m) => m.type === 'event' && m.event === 'modules.changed' && (m.payload as { source: string }).source === 'disk')
  })

  it('refuses a WebSocket without the token or from a foreign origin', async () => {
    const { server } = await serve()
    for (const [url, headers] of [
      [`ws://127.0.0.1:${server.port}/ws`, {}],
      [`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin: 'https://evil.example' }],
    ] as const) {
      const socket = new WebSocket(url, { headers })
      const outcome = await new Promise<string>((resolve) => {
        socket.once('open', () => resolve('open'))
        socket.once('error', () => resolve('refused'))
      })
      expect(outcome).toBe('refused')
    }
  })
})

describe('events go where they are wanted', () => {
  it("a call's progress goes only to the connection that made it; broadcasts follow each client's subscription", async () => {
    const { server } = await serve()
    const open = async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { authorization: `Bearer ${server.token}` } })
      const messages: Array<Record<string, unknown>> = []
      socket.on('message', (d) => messages.push(JSON.parse(d.toString())))
      await new Promise((r) => socket.once('open', r))
      cleanups.push(() => socket.close())
      return { socket, messages }
    }
    const caller = await open()
    const watcher = await open()
    const quiet = await open()
    quiet.socket.send(JSON.stringify({ type: 'subscribe', events: ['workers.changed'] }))
    await new Promise((r) => setTimeout(r, 50))
    caller.socket.send(JSON.stringify({ type: 'call', id: 'mine', op: 'module.hibernate', input: { name: 'hello', reason: 'test' } }))
    for (let i = 0; i < 100 && !caller.messages.some((m) => m.type === 'result'); i++) await new Promise((r) => setTimeout(r, 50))
    await new Promise((r) => setTimeout(r, 100))
    const progressOf = (ms: Array<Record<string, unknown>>) => ms.filter((m) => m.event === 'operation.progress')
    expect(progressOf(caller.messages).length).toBeGreaterThan(0)
    expect(progressOf(watcher.messages)).toEqual([])
    expect(watcher.messages.some((m) => m.event === 'modules.changed')).toBe(true)
    expect(quiet.messages).toEqual([])
  })
})
