// `warden logs` through the built CLI, as a person runs it (npm test builds first).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { LogEntry } from '../src/shared/contract/logs'
import { cliJson, requireBuiltCli, startCli } from './cli'
import { tempDir, writeModule } from './fixtures'
import { waitFor } from './inference'

beforeAll(() => requireBuiltCli())

function setup() {
  const base = tempDir('warden-logs-cli-')
  const env = { home: path.join(base, 'home') }
  const workspace = path.join(base, 'ws')
  writeModule(workspace, { name: 'hello' })
  return { env, workspace, cliLog: path.join(env.home, 'logs', 'cli.log') }
}

describe('warden logs', () => {
  it('shows what CLI commands logged, as JSON and as text without terminal escapes; a command that succeeds logs nothing', async () => {
    const { env, workspace, cliLog } = setup()
    expect((await startCli(['-w', workspace, 'module', 'list'], env).done).code).toBe(0)
    expect(fs.existsSync(cliLog)).toBe(false)
    const failed = await startCli(['-w', workspace, 'module', 'wake', '--name', 'nope'], env).done
    expect(failed.code).toBe(1)
    // A line written by something hostile (or broken) tries to retitle the terminal and colour it.
    fs.appendFileSync(cliLog, `${JSON.stringify({ level: 50, time: Date.now(), source: 'cli', msg: 'evil \u001b]0;pwned\u0007 \u001b[31mred\u001b[0m \u009b2J' })}\n`)

    const { code, value } = await cliJson<{ entries: LogEntry[]; streamed: number }>(['logs'], env)
    expect(code).toBe(0)
    expect(value.entries[0]).toMatchObject({ source: 'cli', component: 'host', level: 'info', data: { op: 'module.wake', code: 'NOT_FOUND' } })
    expect(value.entries[0].msg).toMatch(/^module\.wake refused: No module named nope/)
    expect(value.entries[1]).toMatchObject({ level: 'error', msg: expect.stringContaining('evil') })

    const text = await startCli(['logs'], env).done
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} INFO {2}cli\/host\[\d+\] {2}module\.wake refused: No module named nope/m)
    // The escape sequences are gone, with what they carried (the title); the text stays.
    expect(text.stdout).toMatch(/ERROR cli {2}evil {2}red 2J$/m)
    // eslint-disable-next-line no-control-regex
    expect(text.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
    const levels = await cliJson<{ entries: LogEntry[] }>(['logs', '--level', 'error', '--since', '1h'], env)
    expect(levels.value.entries.map((e) => e.level)).toEqual(['error'])
  }, 60_000)

  it('--follow prints new lines as they are written, one JSON object a line, until Ctrl-C', async () => {
    const { env, workspace } = setup()
    await startCli(['-w', workspace, 'module', 'wake', '--name', 'first'], env).done
    const follow = startCli(['logs', '--follow', '--json'], env)
    let out = ''
    follow.child.stdout!.on('data', (d) => (out += d))
    await waitFor(() => out.includes('first'), 'the last lines')
    await startCli(['-w', workspace, 'module', 'wake', '--name', 'second'], env).done
    await waitFor(() => out.includes('second'), 'the new line')
    follow.child.kill('SIGINT')
    const done = await follow.done
    expect(done.code).toBe(0)
    const lines = done.stdout.split('\n').filter((l) => l.startsWith('{"'))
    // Every line is one JSON object: the entries, then the call's summary.
    expect(JSON.parse(lines.pop()!)).toEqual({ entries: [], streamed: 2 })
    const streamed = lines.map((l) => JSON.parse(l) as LogEntry)
    expect(streamed.map((e) => e.msg)).toEqual([expect.stringContaining('No module named first'), expect.stringContaining('No module named second')])
  }, 60_000)

  it('refuses a --worker that is not a model id and a --since it cannot read, naming them', async () => {
    const { env } = setup()
    const worker = await startCli(['logs', '--worker', '../../etc/passwd'], env).done
    expect(worker.code).toBe(2)
    expect(worker.stderr).toMatch(/worker: a model id is a plain name/)
    const since = await startCli(['logs', '--since', 'yesterday'], env).done
    expect(since.code).toBe(2)
    expect(since.stderr).toMatch(/since: give an ISO time .* or a duration/)
  }, 60_000)
})
