import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCliInProcess } from '../../../test/cli'
import { tempDir, writeModule } from '../../../test/fixtures'
import type { OperationOutput } from '../../shared/contract/operations'

// `warden module report-error` and `warden module check` on a real workspace: modules whose tests
// really run, real hibernation, decisions stored in the home's database.

function workspace(): string {
  const ws = tempDir('warden-ws-')
  writeModule(ws, { name: 'lonely' })
  writeModule(ws, { name: 'core', kind: 'daemons' })
  writeModule(ws, { name: 'ui', kind: 'widgets', deps: ['core'] })
  writeModule(ws, { name: 'flaky', pkg: { scripts: { test: 'node check.js' } }, files: { 'check.js': "console.error('expected 2 calls, got 3'); process.exit(1)\n" } })
  return ws
}

describe('warden module report-error / check', () => {
  it('hibernates an isolated failing module as ares, and leaves one with dependents active', async () => {
    const ws = workspace()
    const home = tempDir('warden-home-')
    const cli = (...args: string[]) => runCliInProcess(args, { home, workspace: ws })

    const r = await cli('module', 'report-error', '--name', 'lonely', '--message', "Cannot read property 'userId' of undefined", '--type', 'TypeError', '--stack', 'at send (index.js:3:7)')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('💤 Ares: hibernated lonely (automatic decision)')
    expect(r.stdout).toContain("• lonely failed: TypeError: Cannot read property 'userId' of undefined")
    expect(r.stdout).toContain('♻️  Restorable with: warden module wake --name lonely')
    expect(fs.existsSync(path.join(ws, 'commands', 'lonely'))).toBe(false)
    const listed = (await cli('module', 'list-hibernated')).stdout
    expect(listed).toContain('Reason: runtime-failure (TypeError)')
    expect(listed).toContain('Hibernated by: ares (automatic)')
    const [meta] = fs.readdirSync(path.join(ws, '.warden', 'hibernation')).filter((f) => f.endsWith('.metadata.json'))
    expect(JSON.parse(fs.readFileSync(path.join(ws, '.warden', 'hibernation', meta), 'utf8')).error).toEqual({ type: 'TypeError', message: "Cannot read property 'userId' of undefined", stack: 'at send (index.js:3:7)' })

    const withDependents = await cli('module', 'report-error', '--name', 'core', '--message', 'crashed', '--json')
    expect(withDependents.code).toBe(0)
    const decision = withDependents.json<OperationOutput<'module.reportError'>>()
    expect(decision.module).toBe('core')
    expect(decision.reasons).toContain('active modules depend on it: ui')
    expect(fs.existsSync(path.join(ws, 'daemons', 'core'))).toBe(true)
  })

  it('checks every module (exit 1 when one fails) and hibernates the failing isolated one', async () => {
    const ws = workspace()
    const r = await runCliInProcess(['module', 'check', '--json'], { workspace: ws })
    expect(r.code).toBe(1)
    const { results } = r.json<OperationOutput<'module.check'>>()
    expect(results.map((x) => `${x.name} ${x.ok} ${x.ran}`).sort()).toEqual(['core true entry', 'flaky false tests', 'lonely true entry', 'ui true entry'])
    expect(results.find((x) => x.name === 'flaky')!.decision).toMatchObject({ action: 'hibernated' })
    expect(fs.existsSync(path.join(ws, 'commands', 'flaky'))).toBe(false)

    const one = await runCliInProcess(['module', 'check', '--name', 'lonely'], { workspace: ws })
    expect(one.code).toBe(0)
    expect(one.stdout).toContain('✅ lonely: entry point loaded')
    expect(one.stdout).toContain('✅ 1 of 1 module(s) pass')
  })

  it('refuses bad input, naming the problem', async () => {
    const ws = workspace()
    const unknown = await runCliInProcess(['module', 'report-error', '--name', 'nope', '--message', 'x'], { workspace: ws })
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toContain('No module named nope')
    const noMessage = await runCliInProcess(['module', 'report-error', '--name', 'lonely'], { workspace: ws })
    expect(noMessage.code).not.toBe(0)
    expect(noMessage.stderr).toMatch(/message/)
    const check = await runCliInProcess(['module', 'check', '--name', 'nope'], { workspace: ws })
    expect(check.stderr).toContain('No active module named nope')
    expect(fs.existsSync(path.join(ws, 'commands', 'lonely'))).toBe(true)
  })
})
