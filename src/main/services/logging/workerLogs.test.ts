import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { inferenceHost, waitFor, writeTinyModels } from '../../../../test/inference'
import { expectError } from '../../../../test/fixtures'
import type { AnyEvent } from '../../../shared/contract/events'
import { LogService } from './LogService'

const hosts: Array<ReturnType<typeof inferenceHost>> = []
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.host.shutdown()
})

function host(runtime: 'server' | 'cli' = 'cli') {
  const h = inferenceHost({ runtime })
  hosts.push(h)
  return h
}

const mode = (file: string) => fs.statSync(file).mode & 0o777

describe('worker output, per model', () => {
  it('keeps what llama.cpp writes to stderr in the model’s log, readable with logs.read --worker (from memory and from the file)', async () => {
    const { call, home } = host()
    // A model cut short: its header reads fine, so it is added; llama.cpp refuses its tensors on stderr.
    const [file] = await writeTinyModels(path.join(home, 'models'), 1, 'whole')
    const broken = path.join(home, 'models', 'broken.gguf')
    const data = fs.readFileSync(file)
    fs.writeFileSync(broken, data.subarray(0, Math.floor(data.length * 0.7)))
    await call('model.add', { path: broken })
    const e = await expectError(call('worker.load', { model: 'broken' }))
    expect(e.message).toMatch(/could not load/i)

    const logFile = path.join(home, 'logs', 'workers', 'broken.log')
    const llamaLine = /not within the file bounds|corrupted or incomplete/
    // The worker's stderr reaches the file as it comes, with the stream it came from.
    await waitFor(() => llamaLine.test(fs.readFileSync(logFile, 'utf8')), 'llama.cpp’s complaint in the log file')
    const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; stream?: string; model: string; level: number })
    expect(lines.find((l) => llamaLine.test(l.msg))).toMatchObject({ stream: 'stderr', model: 'broken', level: 40 })
    expect(mode(logFile)).toBe(0o600)
    expect(mode(path.join(home, 'logs', 'workers'))).toBe(0o700)

    // The worker that could not load is stopped: once that line is written, both views are complete.
    await waitFor(() => /Worker process \d+ stopped/.test(fs.readFileSync(logFile, 'utf8')), 'the worker to stop')
    // logs.read --worker, from this host (its memory) and from another process's view (the file).
    const fromHost = (await call('logs.read', { worker: 'broken' })).entries
    const fromFile = await new LogService(path.join(home, 'logs')).read({ worker: 'broken', limit: 200 })
    for (const entries of [fromHost, fromFile]) {
      const msgs = entries.map((x) => x.msg)
      expect(msgs.some((m) => /^Worker process \d+ started$/.test(m))).toBe(true)
      expect(entries.find((x) => llamaLine.test(x.msg))).toMatchObject({ level: 'warn', source: 'worker', model: 'broken', data: { stream: 'stderr' } })
      expect(msgs.some((m) => m.startsWith('Could not load'))).toBe(true)
    }
    expect(fromHost.map((x) => x.msg)).toEqual(fromFile.map((x) => x.msg))
    // --level error leaves llama.cpp's warnings out; another model's log is empty.
    expect((await call('logs.read', { worker: 'broken', level: 'error' })).entries.every((x) => x.level === 'error')).toBe(true)
    expect((await call('logs.read', { worker: 'whole-1' })).entries).toEqual([])
  }, 60_000)

  it('a killed worker: its model’s log says how it ended and that a new process started', async () => {
    const { call, home } = host()
    await writeTinyModels(path.join(home, 'models'), 1)
    const first = await call('worker.load', { model: 'tiny-1' })
    await call('worker.kill', { model: 'tiny-1' })
    const again = await waitFor(async () => (await call('worker.list', {})).workers.find((w) => w.state === 'ready' && w.pid !== first.pid), 'the restart')
    const msgs = (await call('logs.read', { worker: 'tiny-1' })).entries.map((x) => x.msg)
    const at = (re: RegExp) => msgs.findIndex((m) => re.test(m))
    expect(at(new RegExp(`^Worker process ${first.pid} started$`))).toBeGreaterThanOrEqual(0)
    expect(at(/^Loaded .*tiny-1\.gguf in \d+ ms/)).toBeGreaterThan(at(new RegExp(`^Worker process ${first.pid} started$`)))
    expect(at(new RegExp(`^Worker process ${first.pid} killed \\(SIGKILL`))).toBeGreaterThan(0)
    expect(at(new RegExp(`^Worker process ${again.pid} started$`))).toBeGreaterThan(at(/SIGKILL/))
    // --limit: the last lines only.
    expect((await call('logs.read', { worker: 'tiny-1', limit: 2 })).entries.map((x) => x.msg)).toEqual(msgs.slice(-2))
  }, 60_000)

  it('a spare worker put to use writes to the log of the model it serves', async () => {
    const { call, home } = host('server')
    await writeTinyModels(path.join(home, 'models'), 2)
    await call('worker.load', { model: 'tiny-1' })
    const spareLog = path.join(home, 'logs', 'workers', 'spare.log')
    await waitFor(() => fs.existsSync(spareLog) && /started/.test(fs.readFileSync(spareLog, 'utf8')), 'the spare worker')
    const second = await call('worker.load', { model: 'tiny-2' })
    const msgs = (await call('logs.read', { worker: 'tiny-2' })).entries.map((x) => x.msg)
    expect(msgs).toContain(`Worker process ${second.pid} (started as the spare worker) serves this model`)
    expect(msgs.some((m) => /^Loaded .*tiny-2\.gguf/.test(m))).toBe(true)
  }, 60_000)

  it('--follow streams new lines of a model’s log as events of the call until it is cancelled', async () => {
    const { host: h, call, home, events } = host()
    await writeTinyModels(path.join(home, 'models'), 1)
    const callId = 'follow-1'
    const following = h.invoke('logs.read', { worker: 'tiny-1', follow: true }, callId)
    const streamed = () => events.filter((e): e is Extract<AnyEvent, { event: 'logs.entries' }> => e.event === 'logs.entries' && e.payload.callId === callId).flatMap((e) => e.payload.entries)
    const loaded = await call('worker.load', { model: 'tiny-1' })
    await waitFor(() => streamed().some((x) => /^Loaded /.test(x.msg)), 'the load, streamed')
    expect(streamed().map((x) => x.msg)).toContain(`Worker process ${loaded.pid} started`)
    expect((await call('operation.cancel', { callId })).cancelled).toBe(true)
    const result = await following
    expect(result).toEqual({ ok: true, value: { entries: [], streamed: streamed().length } })
  }, 60_000)

  it('refuses a model id that is not a plain file name, naming the field', async () => {
    const { call } = host()
    const e = await expectError(call('logs.read', { worker: '../warden' }))
    expect(e.code).toBe('INVALID_INPUT')
    expect(e.message).toContain('worker')
  })
})
