// The fuzz suite: every operation of the contract driven through HTTP, the WebSocket and the CLI with
// generated bad input, and raw malformed HTTP requests and WebSocket frames at the socket level.
// It asserts what a person relies on: the server answers and stays up, bad input is a 4xx that names
// the field, and nothing is written outside the workspace and WARDEN_HOME.
// `FUZZ_RUNS=2000 npx vitest run test/fuzz.test.ts` (npm run fuzz) runs it longer.
import fc from 'fast-check'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import type { z } from 'zod'
import { fieldsOf, kebab } from '../src/main/cli/schemaToCli'
import { startServer, type RunningServer } from '../src/main/server/startServer'
import { WardenHost } from '../src/main/services/host/WardenHost'
import { operationNames, operations, type OperationName } from '../src/shared/contract/operations'
import { runCliInProcess } from './cli'
import { tempDir, writeModule } from './fixtures'
import { healthStatus, openSocket, rawExchange, rawWebSocket, statusOf, wsFrame, closedWithin } from './sockets'

const RUNS = Number(process.env.FUZZ_RUNS) || 150
const seed = Number(process.env.FUZZ_SEED) || Date.now() % 1_000_000
const params = { numRuns: RUNS, seed, endOnFailure: true }

let home: string
let workspace: string
let outside: string
let host: WardenHost
let server: RunningServer
let socket: WebSocket
let snapshotOutside: string[]
let snapshotWorkspace: string[]

/** Every file and folder under `dir`, relative, sorted (the workspace's own `.warden` aside). */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((p) => !p.startsWith('.warden')).sort()
}

beforeAll(async () => {
  home = tempDir('warden-fuzz-home-')
  workspace = tempDir('warden-fuzz-ws-')
  outside = tempDir('warden-fuzz-outside-')
  fs.writeFileSync(path.join(outside, 'a-file'), 'not a folder')
  writeModule(workspace, { name: 'hello' })
  writeModule(workspace, { name: 'data-daemon', kind: 'daemons' })
  host = new WardenHost({ home, runtime: 'server', watch: false })
  await host.openWorkspace(workspace)
  server = await startServer(host, { port: 0, rendererDir: null })
  socket = await openSocket(server.port, server.token)
  snapshotOutside = tree(outside)
  snapshotWorkspace = tree(workspace)
})

afterAll(async () => {
  socket?.terminate()
  await server?.close()
  await host?.shutdown()
  // Nothing reached the folder beside the workspace, and the workspace's modules are untouched.
  expect(tree(outside)).toEqual(snapshotOutside)
  expect(tree(workspace)).toEqual(snapshotWorkspace)
})

type Def = { input: z.ZodObject }
const defOf = (name: OperationName) => operations[name] as unknown as Def

/** A JSON value that the field's schema refuses (wrong type, out of range, bad text…). */
function badValueFor(schema: z.ZodType): fc.Arbitrary<unknown> {
  const nasty = fc.constantFrom<unknown>(null, true, false, [], {}, '', ' ', 0, -1, 1.5, 1e300, -1e300, '\u0000', 'a\u0000b', '../../etc', '/dev/null', 'x'.repeat(70_000), [null], { $gt: '' }, '30')
  return fc.oneof(nasty, fc.jsonValue({ maxDepth: 2 }), fc.string({ unit: 'binary', maxLength: 300 })).filter((v) => !schema.safeParse(v).success)
}

/** For each operation with fields: one field set to a refused value. */
const fieldCases = operationNames.flatMap((name) => Object.entries(defOf(name).input.shape).map(([key, schema]) => ({ name, key, schema: schema as z.ZodType })))

const badFieldInput = fc
  .constantFrom(...fieldCases)
  .chain((c) => badValueFor(c.schema).map((value) => ({ ...c, input: { [c.key]: value } as Record<string, unknown> })))

/** Inputs that are not an object at all. */
const notAnObject = fc.tuple(fc.constantFrom(...operationNames), fc.oneof(fc.constantFrom<unknown>(null, [], 'x', 1, true, [1, 2]), fc.string()))

const post = (op: string, body: string) =>
  fetch(`${server.url}api/op/${op}`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body })

let callCounter = 0
function callOverSocket(op: string, input: unknown): Promise<{ ok: boolean; error?: { code: string; message: string } }> {
  const id = `fuzz-${++callCounter}`
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${op} over the WebSocket`)), 20_000)
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as { type: string; id?: string; result?: { ok: boolean; error?: { code: string; message: string } } }
      if (msg.type === 'result' && msg.id === id) {
        clearTimeout(timer)
        socket.off('message', onMessage)
        resolve(msg.result!)
      }
    }
    socket.on('message', onMessage)
    socket.send(JSON.stringify({ type: 'call', id, op, input }))
  })
}

describe(`fuzz (seed ${seed}, ${RUNS} runs each; FUZZ_SEED=${seed} replays)`, () => {
  it('HTTP: a refused field value is a 400 that names the field', async () => {
    await fc.assert(
      fc.asyncProperty(badFieldInput, async ({ name, key, input }) => {
        const res = await post(name, JSON.stringify(input))
        const body = (await res.json()) as { ok: boolean; error: { code: string; message: string } }
        expect(res.status, `${name} ${JSON.stringify(input).slice(0, 200)}`).toBe(400)
        expect(body.error.code).toBe('INVALID_INPUT')
        expect(body.error.message).toContain(key)
      }),
      params,
    )
    expect(await healthStatus(server.port)).toBe(200)
  })

  it('HTTP: a body that is not an object, or not JSON, is a 400', async () => {
    await fc.assert(
      fc.asyncProperty(notAnObject, fc.boolean(), async ([name, value], raw) => {
        const res = await post(name, raw && typeof value === 'string' ? `{${value}` : JSON.stringify(value))
        expect(res.status, `${name} ${String(value).slice(0, 100)}`).toBe(400)
        await res.body?.cancel()
      }),
      params,
    )
  })

  it('WebSocket: the same refused values come back as INVALID_INPUT naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(badFieldInput, async ({ name, key, input }) => {
        const result = await callOverSocket(name, input)
        expect(result.ok).toBe(false)
        expect(result.error!.code, `${name} ${JSON.stringify(input).slice(0, 200)}`).toBe('INVALID_INPUT')
        expect(result.error!.message).toContain(key)
      }),
      params,
    )
  })

  it('paths that cannot work (a NUL, a megabyte, a device, a path through a file) are a 4xx, never a 500', async () => {
    const badPaths = fc.constantFrom(
      'a\u0000b',
      `${outside}/a-file/sub`,
      `${outside}/a-file`,
      '/dev/null',
      '/dev/null/x',
      `/${'x'.repeat(300)}/y`,
      'x'.repeat(1024 * 1024 - 100),
      `${outside}/${'n'.repeat(256)}`,
    )
    const pathOps = fc.constantFrom(
      ['workspace.open', 'path'],
      ['workspace.createDemo', 'path'],
      ['model.add', 'path'],
      ['module.pack', 'outDir'],
      ['module.wake', 'from'],
    ) as fc.Arbitrary<[OperationName, string]>
    await fc.assert(
      fc.asyncProperty(pathOps, badPaths, async ([name, key], p) => {
        const input: Record<string, unknown> = { [key]: p }
        if (name === 'module.pack') input.name = 'hello'
        const res = await post(name, JSON.stringify(input))
        const body = (await res.json()) as { error?: { code: string; message: string } }
        expect(res.status, `${name} ${key}=${p.slice(0, 80)}: ${body.error?.message?.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
        expect(res.status, `${name} ${key}=${p.slice(0, 80)}: ${body.error?.message?.slice(0, 200)}`).toBeLessThan(500)
      }),
      { ...params, numRuns: Math.max(RUNS, 40) },
    )
    // The folder the server had open is still the one it has.
    expect(host.workspaceInfo()?.path).toBe(fs.realpathSync(workspace))
  })

  it('raw HTTP: any request line, target, header and body gets an answer (or a closed connection), and the server stays up', async () => {
    const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/)
    const request = fc.record({
      method: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'CONNECT', 'TRACE'), token),
      target: fc.oneof(
        fc.constantFrom('//', '/', '*', '/api/op/module.list', '/v1/chat/completions', '/ws', '/api/op/..%2f', 'http://127.0.0.1/', '/%', '/\u00e9'),
        fc.webPath(),
        fc.string({ maxLength: 100 }).map((s) => '/' + s.replace(/[\r\n ]/g, '')),
      ),
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', ''),
      headers: fc.array(fc.tuple(fc.oneof(token, fc.constantFrom('Host', 'Content-Length', 'Transfer-Encoding', 'Authorization', 'Origin', 'Upgrade', 'Connection')), fc.string({ maxLength: 80 })), { maxLength: 6 }),
      body: fc.string({ maxLength: 200 }),
      bytes: fc.option(fc.uint8Array({ maxLength: 200 }), { freq: 4 }),
    })
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const head = [`${r.method} ${r.target} ${r.version}`, 'Host: 127.0.0.1', 'Connection: close', ...r.headers.map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}`)].join('\r\n')
        const wire = r.bytes ? Buffer.from(r.bytes) : Buffer.from(`${head}\r\n\r\n${r.body}`, 'latin1')
        const reply = await rawExchange(server.port, wire, 300)
        const status = statusOf(reply)
        if (status !== 0) expect(status === 101 || (status >= 200 && status < 600)).toBe(true)
        expect(await healthStatus(server.port)).toBe(200)
      }),
      params,
    )
  })

  it('raw WebSocket frames: a malformed frame closes that connection only; the server keeps serving', async () => {
    const frame = fc.record({
      opcode: fc.integer({ min: 0, max: 15 }),
      fin: fc.boolean(),
      mask: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      payload: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(s))),
      declaredLength: fc.option(fc.oneof(fc.nat({ max: 400 }), fc.constant(2 ** 40)), { freq: 3 }),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 3 }), async (frames) => {
        const raw = await rawWebSocket(server.port, server.token)
        for (const f of frames) raw.write(wsFrame({ ...f, payload: Buffer.from(f.payload), declaredLength: f.declaredLength ?? undefined }))
        await closedWithin(raw, 100)
        raw.destroy()
        expect(await healthStatus(server.port)).toBe(200)
      }),
      params,
    )
    // A client that did nothing wrong was never disturbed.
    expect((await callOverSocket('app.info', {})).ok).toBe(true)
  })

  it('CLI: a bad flag value exits 2 with a message naming the flag, and never throws', async () => {
    const cases = operationNames
      .filter((name) => operations[name].cli !== false)
      .flatMap((name) => fieldsOf(defOf(name).input).filter((f) => f.kind === 'number' || f.kind === 'json').map((f) => ({ name, field: f })))
    const notANumber = fc.string({ maxLength: 40 }).filter((s) => s.trim() === '' || !Number.isFinite(Number(s)))
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...cases), notANumber, async ({ name, field }, value) => {
        if (field.kind === 'json' && value.trim()) {
          try {
            JSON.parse(value)
            return // valid JSON is not a bad value here
          } catch {
            // a bad one: go on
          }
        }
        const words = operations[name].cli && operations[name].cli.command ? operations[name].cli.command! : name.split('.').map(kebab)
        const positional = (operations[name].cli && operations[name].cli.positional) || []
        const { code, output } = await runCliInProcess(['--local', ...words, ...positional.map(() => 'x'), `--${field.flag}`, value], { home, workspace })
        expect(code, output).toBe(2)
        expect(output).toContain(`--${field.flag}`)
      }),
      { ...params, numRuns: Math.min(RUNS, 30) },
    )
  })

  it('CLI: a refused text value (a flag or an argument) exits 2 with a message naming the field', async () => {
    const cases = operationNames
      .filter((name) => operations[name].cli !== false && name !== 'model.install')
      .flatMap((name) => fieldsOf(defOf(name).input).filter((f) => f.kind === 'string').map((f) => ({ name, field: f, schema: defOf(name).input.shape[f.key] as z.ZodType })))
      .filter((c) => !c.schema.safeParse('a\u0000b').success || !c.schema.safeParse('').success)
    const value = fc.oneof(fc.constantFrom('', ' ', 'a\u0000b', '../x', 'x'.repeat(300), '@/x', '.', 'a/b/c'), fc.string({ unit: 'binary', maxLength: 40 }))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...cases).chain((c) => value.filter((v) => !c.schema.safeParse(v).success).map((v) => ({ ...c, v }))),
        async ({ name, field, v }) => {
          const cli = operations[name].cli || {}
          const words = cli.command ?? name.split('.').map(kebab)
          const positional = cli.positional ?? []
          // `--flag=value` and `--` before the arguments: a value that starts with a dash stays a value.
          const flag = positional.includes(field.key) ? [] : [`--${field.flag}=${v}`]
          const argv = [...words, ...flag, '--', ...positional.map((p) => (p === field.key ? v : 'x'))]
          const { code, output } = await runCliInProcess(['--local', ...argv], { home, workspace })
          expect(code, `${name} ${field.key}=${JSON.stringify(v).slice(0, 80)}: ${output.slice(0, 300)}`).toBe(2)
          expect(output).toContain(field.key)
        },
      ),
      { ...params, numRuns: Math.min(RUNS, 40) },
    )
  })
})
