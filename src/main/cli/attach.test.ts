import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/fixtures'
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { tokenProof } from '../server/requests'
import { readOwnVersion } from '../services/host/WardenHost'
import * as path from 'node:path'
import { requireBuiltCli, runCli, startCli, type CliRun } from '../../../test/cli'
import { writeTinyModel } from '../services/models/tinyGguf'
import { processAlive, waitFor } from '../../../test/inference'
import type { OperationOutput } from '../../shared/contract/operations'

const servers: CliRun[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.child.kill('SIGKILL')
    await s.done
  }
})

/** `warden <args>` with this home; `json()` reads what it printed (typed as T). */
async function cli<T>(args: string[], home: string) {
  const r = await runCli(args, { home })
  return { ...r, json: () => r.json<T>() }
}

describe('CLI and a running Warden', () => {
  it('attaches to the server of the same home: chat streams there, `warden workers` shows its live worker; SIGKILL of the server leaves no orphan', async () => {
    requireBuiltCli()
    const home = tempDir('warden-attach-home-')
    const server = startCli(['serve', '--port', '0', '--demo', tempDir('warden-attach-ws-') + '/ws'], { home })
    servers.push(server)
    await server.waitForOutput(/Warden is serving/)

    const personas = await cli<OperationOutput<'persona.list'>>(['persona', 'list', '--json'], home)
    expect(personas.json().personas.map((p) => p.name)).toEqual(['Ada', 'Brook'])

    const chat = await cli<never>(['persona', 'chat', 'Ada', 'Hello Ada'], home)
    expect(chat.code).toBe(0)
    expect(chat.stdout.trim().length).toBeGreaterThan(0)
    expect(chat.stderr).toMatch(/— \d+ tokens · [\d.]+ tok\/s .*loaded the model/)

    // The worker lives in the server, not in the (finished) chat command: the CLI attached.
    const workers = (await cli<OperationOutput<'worker.list'>>(['workers', '--json'], home)).json()
    expect(workers.workers).toHaveLength(1)
    const w = workers.workers[0]
    expect(w).toMatchObject({ modelId: 'demo-tiny-a', state: 'ready' })
    expect(processAlive(w.pid!)).toBe(true)
    const table = await cli<never>(['workers'], home)
    expect(table.stdout).toMatch(new RegExp(`demo-tiny-a\\s+${w.pid}\\s+ready`))

    // The server dies without any chance to clean up: its worker notices and exits on its own.
    server.child.kill('SIGKILL')
    await server.done
    await waitFor(() => !processAlive(w.pid!), 'the orphaned worker to exit', 10_000)

    // With no server, the next command runs in its own process (the stale discovery file is ignored).
    const local = (await cli<OperationOutput<'worker.list'>>(['workers', '--json'], home)).json()
    expect(local.workers).toEqual([])
  }, 90_000)

  it('config set and persona create from the CLI, with clear errors', async () => {
    requireBuiltCli()
    const home = tempDir('warden-cli-home-')
    const set = await cli<never>(['config', 'set', 'maxVRAM', '2048'], home)
    expect(set.stdout.trim()).toBe('maxVRAM = 2048')
    const get = await cli<OperationOutput<'config.get'>>(['config', 'get', 'maxVRAM', '--json'], home)
    expect(get.json().settings[0]).toMatchObject({ key: 'maxVRAM', value: 2048 })
    const bad = await cli<never>(['persona', 'create', '--name', 'X', '--model', 'no-such-model'], home)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/No model "no-such-model"/)
    expect(bad.stderr).toMatch(/warden model list/)
    const workers = await cli<never>(['workers'], home)
    expect(workers.stdout).toMatch(/Memory: 0 B of 2(\.0)? GB used — 2(\.0)? GB \(maxVRAM setting\)/)
    expect(workers.stdout).toMatch(/No workers running/)

    // A stale discovery file whose process id now belongs to another live process: nothing listens
    // on its port, so the command runs here.
    fs.writeFileSync(path.join(home, 'server.json'), JSON.stringify({ port: 9, token: 'x', pid: process.pid, url: 'http://127.0.0.1:9/', version: '0.1.0' }))
    const stale = await cli<OperationOutput<'worker.list'>>(['workers', '--json'], home)
    expect(stale.code).toBe(0)
    expect(stale.json().workers).toEqual([])

    // A relative model path is the caller's: it keeps working from another folder.
    const here = tempDir('warden-cli-cwd-')
    await writeTinyModel(path.join(here, 'mine.gguf'), { seed: 9 })
    const created = await runCli(['persona', 'create', '--name', 'Mine', '--model', './mine.gguf'], { home, cwd: here })
    expect(created.code).toBe(0)
    const chat = await cli<OperationOutput<'persona.chat'>>(['persona', 'chat', 'Mine', 'hi', '--json'], home)
    expect(chat.code).toBe(0)
    expect(chat.json()).toMatchObject({ modelId: 'mine', loaded: true })
  }, 60_000)
})

/** A program on the discovery file's port: a Warden that knows the token (but sends hostile text), or an impostor. */
async function fakeWarden(home: string, opts: { knowsToken: boolean; reply: (call: { id: string; op: string }, send: (msg: unknown) => void, raw: (text: string) => void) => void }) {
  const token = 'a'.repeat(64)
  const seen: string[] = []
  const server = http.createServer((req, res) => {
    seen.push(`${req.url} ${JSON.stringify(req.headers)}`)
    const nonce = new URL(req.url ?? '/', 'http://x').searchParams.get('nonce') ?? ''
    res.end(JSON.stringify({ ok: true, value: { proof: opts.knowsToken ? tokenProof(token, nonce) : 'f'.repeat(64) } }))
  })
  const wss = new WebSocketServer({ server })
  wss.on('connection', (ws, req) => {
    seen.push(`ws ${req.url} ${JSON.stringify(req.headers)}`)
    ws.on('message', (d) => {
      const call = JSON.parse(d.toString()) as { id: string; op: string }
      seen.push(d.toString())
      opts.reply(call, (m) => ws.send(JSON.stringify(m)), (t) => ws.send(t))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  fs.writeFileSync(path.join(home, 'server.json'), JSON.stringify({ port, token, pid: process.pid, url: `http://127.0.0.1:${port}/`, version: readOwnVersion() }), { mode: 0o600 })
  return { token, seen, close: () => new Promise<void>((r) => (wss.close(), server.close(() => r()))) }
}

describe('the CLI trusts neither the port nor what comes back', () => {
  it('sends neither the token nor the prompt to a program that cannot prove it knows the token', async () => {
    requireBuiltCli()
    const home = tempDir('warden-impostor-home-')
    const fake = await fakeWarden(home, { knowsToken: false, reply: () => undefined })
    try {
      const r = await cli<OperationOutput<'config.get'>>(['config', 'get', 'maxVRAM', '--json'], home)
      expect(r.code).toBe(0)
      expect(r.json().settings[0].key).toBe('maxVRAM') // answered here instead
      expect(r.stderr).toMatch(/cannot prove it knows the token/)
      expect(fake.seen.join('\n')).not.toContain(fake.token)
    } finally {
      await fake.close()
    }
  }, 30_000)

  it('strips terminal escape sequences from replies and streamed text, and survives a reply that is not JSON', async () => {
    requireBuiltCli()
    const home = tempDir('warden-hostile-home-')
    const evil = '\x1b]0;owned\x07\x1b[2J\x1b[31mred\x9b1m\u202eevil'
    const fake = await fakeWarden(home, {
      knowsToken: true,
      reply: (call, send, raw) => {
        if (call.op === 'config.set') return send({ type: 'result', id: call.id, result: { ok: true, value: { key: `maxVRAM${evil}`, value: 1, default: 0, description: evil, isDefault: false } } })
        if (call.op === 'persona.chat') {
          send({ type: 'event', event: 'persona.token', payload: { callId: call.id, persona: 'Ada', text: `hi${evil}` } })
          return send({ type: 'result', id: call.id, result: { ok: false, error: { code: 'NOT_FOUND', message: `gone${evil}`, hint: evil } } })
        }
        raw('<html>not json</html>')
        raw('{"type":"result","id":' + JSON.stringify(call.id) + ',"result":"nonsense"}')
      },
    })
    try {
      const set = await cli<never>(['config', 'set', 'maxVRAM', '1'], home)
      expect(set.code).toBe(0)
      expect(set.stdout).toContain('maxVRAM')
      expect(set.stdout).toContain('red')
      const chat = await cli<never>(['persona', 'chat', 'Ada', 'hello'], home)
      expect(chat.code).toBe(1)
      expect(chat.stdout).toContain('hired')
      expect(chat.stderr).toContain('gone')
      const json = await cli<never>(['config', 'set', 'maxVRAM', '1', '--json'], home)
      expect(JSON.parse(json.stdout).key).toBe(`maxVRAM${evil}`) // JSON output stays exact (escaped)
      for (const out of [set.stdout, set.stderr, chat.stdout, chat.stderr, json.stdout]) {
        expect([...out].filter((c) => '\x1b\x07\x9b\u202e'.includes(c))).toEqual([])
      }
      const weird = await cli<never>(['worker', 'unload', 'x'], home)
      expect(weird.code).toBe(1)
      expect(weird.stderr).toMatch(/malformed result/)
      expect(weird.stderr).not.toMatch(/at .*\.js:\d+/) // no stack trace
    } finally {
      await fake.close()
    }
  }, 60_000)
})
