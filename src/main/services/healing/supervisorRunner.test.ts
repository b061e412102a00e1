import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../../test/fixtures'
import { waitFor } from '../../../../test/inference'
import { runModuleCheck } from './supervisorRunner'

// Real child processes on real module folders, through the sandbox's runner (sandbox/moduleRun.ts).

function moduleDir(files: Record<string, string>): string {
  const dir = tempDir('warden-check-')
  for (const [rel, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, rel), content)
  return dir
}
const limits = { timeoutMs: 20_000, memoryMB: 256 }
/** A module checked on its own (its folder is the workspace). */
const check = (dir: string, l = limits) => runModuleCheck(dir, dir, l)

describe('the supervisor’s module check', () => {
  it('runs the test script and reports its output and exit', async () => {
    const passing = await check(moduleDir({ 'package.json': JSON.stringify({ name: 'a', scripts: { test: 'node -e "console.log(\'3 passed\')"' } }) }), limits)
    expect(passing).toMatchObject({ ok: true, ran: 'tests', output: '3 passed', stopped: null, timedOut: false })
    const failing = await check(moduleDir({ 'package.json': JSON.stringify({ name: 'a', scripts: { test: 'node -e "console.error(\'1 failed\'); process.exit(2)"' } }) }), limits)
    expect(failing).toMatchObject({ ok: false, ran: 'tests', stopped: 'exited with code 2' })
    expect(failing.output).toContain('1 failed')
  })

  it('does not pass Warden’s own environment variables to the module', async () => {
    process.env.WARDEN_TEST_SECRET = 'token-123'
    try {
      const dir = moduleDir({ 'package.json': JSON.stringify({ name: 'a', scripts: { test: 'node -e "console.log(JSON.stringify(process.env.WARDEN_TEST_SECRET ?? null), process.env.PATH ? \'path\' : \'no path\')"' } }) })
      expect((await check(dir, limits)).output).toBe('null path')
    } finally {
      delete process.env.WARDEN_TEST_SECRET
    }
  })

  it('gives the module a home of its own, not the person’s (where Warden keeps its data and token)', async () => {
    const dir = moduleDir({ 'package.json': JSON.stringify({ name: 'a', scripts: { test: 'node -e "const os=require(\'os\'),fs=require(\'fs\');console.log(os.homedir()===process.env.REAL_HOME?\'real\':\'own\',fs.readdirSync(os.homedir()).length)"' } }) })
    process.env.REAL_HOME = (await import('node:os')).homedir()
    try {
      expect((await check(dir, limits)).output).toBe('own 0')
    } finally {
      delete process.env.REAL_HOME
    }
  })

  it('stops a test run that outlives the time limit, with everything it started', async () => {
    const dir = moduleDir({
      'package.json': JSON.stringify({ name: 'a', scripts: { test: 'node hang.js & node hang.js; wait' } }),
      'hang.js': "require('fs').appendFileSync('pids', process.pid + '\\n')\nsetInterval(() => {}, 1000)\n",
    })
    const run = await check(dir, { timeoutMs: 2000, memoryMB: 256 })
    expect(run).toMatchObject({ ok: false, ran: 'tests', timedOut: true, stopped: 'stopped after 2 s (healingSandboxTimeoutSeconds)' })
    const pids = fs.readFileSync(path.join(dir, 'pids'), 'utf8').trim().split('\n').map(Number)
    expect(pids).toHaveLength(2)
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    await waitFor(() => pids.every((p) => !alive(p)), 'every process the test script started to be gone', 10_000)
  })

  it('without tests, loads the entry point (CommonJS or ES module) and exits once it has loaded', async () => {
    const server = moduleDir({ 'package.json': JSON.stringify({ name: 'a', main: 'server.js' }), 'server.js': 'setInterval(() => {}, 1000)\nmodule.exports = 1\n' })
    expect(await check(server, limits)).toMatchObject({ ok: true, ran: 'entry' })
    const esm = moduleDir({ 'package.json': JSON.stringify({ name: 'a', type: 'module', scripts: { test: 'echo "Error: no test specified" && exit 1' } }), 'index.js': "throw new TypeError('userId of undefined')\n" })
    const broken = await check(esm, limits)
    expect(broken).toMatchObject({ ok: false, ran: 'entry', stopped: 'exited with code 1' })
    expect(broken.output).toContain("TypeError: userId of undefined")
    expect(await check(moduleDir({ 'package.json': JSON.stringify({ name: 'a', main: '../outside.js' }) }), limits)).toMatchObject({ ok: true, ran: 'nothing' })
  })
})
