import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../test/fixtures'
import { waitFor } from '../../../../test/inference'
import { parseSince, type LogEntry } from '../../../shared/contract/logs'
import { LogService } from './LogService'
import { logger, startProcessLog, stopProcessLog } from './processLog'

afterEach(() => stopProcessLog())

/** Lines of Warden's own logs as the app, a server and a CLI command would write them. */
function writeAs(home: string, kind: 'app' | 'server' | 'cli', lines: Array<[level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>]>) {
  startProcessLog({ home, kind })
  const log = logger('test')
  for (const [level, msg, fields] of lines) log[level](msg, fields)
}

describe('Warden’s own logs', () => {
  it('merges the app’s, a server’s and the CLI’s lines by time, with level, source and the error’s causes', async () => {
    const home = path.join(tempDir('warden-logs-'), 'home')
    writeAs(home, 'app', [['info', 'app started']])
    await new Promise((r) => setTimeout(r, 5))
    const cause = new Error('disk on fire')
    writeAs(home, 'server', [['error', 'hibernate failed', { err: new Error('could not pack', { cause }), op: 'module.hibernate' }]])
    await new Promise((r) => setTimeout(r, 5))
    writeAs(home, 'cli', [
      ['debug', 'below the level: never written'],
      ['warn', 'cli warns'],
    ])
    stopProcessLog()
    const logs = new LogService(path.join(home, 'logs'))
    const entries = await logs.read({ limit: 100 })
    expect(entries.map((e) => [e.source, e.level, e.msg])).toEqual([
      ['app', 'info', 'app started'],
      ['server', 'error', 'hibernate failed'],
      ['cli', 'warn', 'cli warns'],
    ])
    const failure = entries[1]
    expect(failure).toMatchObject({ component: 'test', pid: process.pid, data: { op: 'module.hibernate' } })
    expect(failure.error).toMatch(/^Error: could not pack\n\s+at /)
    expect(failure.error).toMatch(/Caused by: Error: disk on fire/)
    // The home and the logs are the user's alone.
    expect(fs.statSync(home).mode & 0o777).toBe(0o700)
    for (const f of ['app.log', 'server.log', 'cli.log']) expect(fs.statSync(path.join(home, 'logs', f)).mode & 0o777).toBe(0o600)

    expect((await logs.read({ limit: 100, level: 'warn' })).map((e) => e.msg)).toEqual(['hibernate failed', 'cli warns'])
    expect((await logs.read({ limit: 1 })).map((e) => e.msg)).toEqual(['cli warns'])
    expect(await logs.read({ limit: 100, since: '2099-01-01' })).toEqual([])
    expect((await logs.read({ limit: 100, since: '10m' })).length).toBe(3)
  })

  it('skips a line torn by a crash mid-write, and reads past lines longer than its read chunk', async () => {
    const home = tempDir('warden-logs-')
    writeAs(home, 'server', [['info', 'x'.repeat(200_000)]])
    fs.appendFileSync(path.join(home, 'logs', 'server.log'), '{"level":30,"time":')
    writeAs(home, 'cli', [['info', 'after the tear']])
    const entries = await new LogService(path.join(home, 'logs')).read({ limit: 10 })
    expect(entries.map((e) => e.msg.length)).toEqual([200_000, 'after the tear'.length])
  })

  it('--follow sends the last lines, then each new one, across a rotation, until cancelled', async () => {
    const home = tempDir('warden-logs-')
    writeAs(home, 'server', [['info', 'before 1'], ['info', 'before 2']])
    const logs = new LogService(path.join(home, 'logs'))
    const seen: LogEntry[] = []
    const abort = new AbortController()
    const following = logs.follow({ limit: 1 }, (entries) => seen.push(...entries), abort.signal)
    await waitFor(() => seen.length === 1, 'the backlog')
    expect(seen[0].msg).toBe('before 2')
    const log = logger('test')
    log.info('after 1')
    log.warn('after 2')
    await waitFor(() => seen.length === 3, 'the new lines')
    // A rotation (another process's, say) between two looks: the lines on both sides arrive.
    log.info('just before the rotation')
    fs.renameSync(path.join(home, 'logs', 'server.log'), path.join(home, 'logs', 'server.log.1'))
    stopProcessLog()
    writeAs(home, 'server', [['info', 'in the new file']])
    await waitFor(() => seen.length === 5, 'the lines around the rotation')
    abort.abort()
    expect(await following).toBe(5)
    expect(seen.map((e) => e.msg)).toEqual(['before 2', 'after 1', 'after 2', 'just before the rotation', 'in the new file'])
  })
})

describe('--since', () => {
  it('takes a duration before now or an ISO time, and nothing else', () => {
    const now = Date.parse('2025-01-31T12:00:00Z')
    expect(parseSince('10m', now)).toBe(now - 600_000)
    expect(parseSince('1h30m', now)).toBe(now - 5_400_000)
    expect(parseSince('2d', now)).toBe(now - 2 * 86_400_000)
    expect(parseSince('2025-01-30T08:00:00Z', now)).toBe(Date.parse('2025-01-30T08:00:00Z'))
    for (const bad of ['', 'yesterday', '10', '10 minutes', '-5m', '2025-13-45']) expect(parseSince(bad, now), bad).toBeNull()
  })
})
