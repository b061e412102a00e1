import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { tempDir, writeModule } from '../../../../test/fixtures'
import { waitFor } from '../../../../test/inference'
import { WardenHost } from '../host/WardenHost'
import type { StrategyFn } from './types'

const hosts: WardenHost[] = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

/** Running: it exists and is not a zombie (a killed grandchild waits for its reaper a moment). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

const linux = process.platform === 'linux' ? it : it.skip

function slowModule() {
  const ws = tempDir('warden-ws-')
  const pidFile = path.join(tempDir('warden-pid-'), 'pid')
  writeModule(ws, {
    name: 'alpha',
    pkg: { scripts: { test: 'node slow.js' } },
    // Its tests say where they run, then take a minute (far past this test's own limit).
    files: { 'slow.js': `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 60_000)\n` },
  })
  const started = async () => Number(await waitFor(() => (fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : null), 'the module test to start'))
  return { ws, started }
}

linux('disposing the host stops a module test the healing loop is running: nothing is left running, the pass ends', async () => {
  const { ws, started } = slowModule()
  const diff = '--- a/index.js\n+++ b/index.js\n@@ -1 +1,2 @@\n module.exports = "alpha"\n+// touched\n'
  const strategy: StrategyFn = async () => [{ source: 'alpha', strategy: 'manual', title: 'touch alpha', rationale: 'test', change: { kind: 'module-diff', module: 'alpha', diff } }]
  const host = new WardenHost({ home: tempDir('warden-home-'), runtime: 'cli', watch: false, healing: { strategies: [strategy] } })
  hosts.push(host)
  await host.openWorkspace(ws)
  host.settings.set('healingSandboxTimeoutSeconds', 600)
  const pass = host.healing.runOnce()
  const pid = await started()
  expect(alive(pid)).toBe(true)
  host.dispose()
  const result = await pass
  expect(result.proposed).toEqual([])
  await waitFor(() => !alive(pid), 'the module test to be stopped', 5000)
}, 30_000)

linux('disposing the host stops the supervisor’s scheduled module check it is running', async () => {
  const { ws, started } = slowModule()
  const clock = { t: Date.UTC(2026, 11, 1) }
  const host = new WardenHost({ home: tempDir('warden-home-'), runtime: 'cli', watch: false, now: () => clock.t })
  hosts.push(host)
  await host.openWorkspace(ws)
  host.settings.set('healingSandboxTimeoutSeconds', 600)
  host.settings.set('moduleCheckIntervalMinutes', 1)
  clock.t += 2 * 60_000
  const run = host.supervisor.tick()
  expect(run).not.toBeNull()
  const pid = await started()
  expect(alive(pid)).toBe(true)
  host.dispose()
  await run
  await waitFor(() => !alive(pid), 'the module test to be stopped', 5000)
  // A check stopped by the shutdown is no failure: the module is not hibernated for it.
  expect(fs.existsSync(path.join(ws, 'commands', 'alpha', 'slow.js'))).toBe(true)
}, 30_000)

linux('a module check cancelled by its caller (Ctrl-C) decides nothing: the module stays active, no decision is stored', async () => {
  const { ws, started } = slowModule()
  const host = new WardenHost({ home: tempDir('warden-home-'), runtime: 'cli', watch: false })
  hosts.push(host)
  await host.openWorkspace(ws)
  host.settings.set('healingSandboxTimeoutSeconds', 600)
  const call = host.invoke('module.check', { name: 'alpha' }, 'check-1')
  const pid = await started()
  expect(host.cancel('check-1')).toBe(true)
  const result = await call
  expect(result.ok).toBe(false)
  if (!result.ok) expect(result.error.code).toBe('CANCELLED')
  await waitFor(() => !alive(pid), 'the module test to be stopped', 5000)
  expect(fs.existsSync(path.join(ws, 'commands', 'alpha', 'slow.js'))).toBe(true)
  expect(host.supervisor.decisions(10)).toEqual([])
}, 30_000)

linux('disposing the host during a module patch’s outcome check records no outcome (the killed run is no verdict)', async () => {
  const ws = tempDir('warden-ws-')
  const pidFile = path.join(tempDir('warden-pid-'), 'pid')
  const alpha = writeModule(ws, { name: 'alpha', pkg: { scripts: { test: 'node check.js' } }, files: { 'check.js': 'process.exit(0)\n' } })
  const home = tempDir('warden-home-')
  const clock = { t: Date.UTC(2026, 11, 1) }
  const host = new WardenHost({ home, runtime: 'cli', watch: false, now: () => clock.t })
  hosts.push(host)
  await host.openWorkspace(ws)
  host.settings.set('healingSandboxTimeoutSeconds', 600)
  const diff = '--- a/index.js\n+++ b/index.js\n@@ -1 +1,2 @@\n module.exports = "alpha"\n+// touched\n'
  const invoke = async (name: string, input: unknown) => {
    const r = await host.invoke(name, input)
    if (!r.ok) throw new Error(r.error.message)
    return r.value as { id: string }
  }
  const { id } = await invoke('healing.evaluate', { module: 'alpha', diff })
  await invoke('healing.approve', { id })
  // From now on its tests take a minute: the next look is under way when Warden stops.
  fs.writeFileSync(path.join(alpha, 'check.js'), `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 60_000)\n`)
  clock.t += 60_000
  const pass = host.healing.runOnce().catch(() => null)
  const pid = Number(await waitFor(() => (fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : null), 'the outcome check to start'))
  host.dispose()
  await pass
  await waitFor(() => !alive(pid), 'the module test to be stopped', 5000)
  const again = new WardenHost({ home, runtime: 'cli', watch: false })
  hosts.push(again)
  expect(again.healing.show({ id })).toMatchObject({ status: 'applied', outcome: null })
}, 30_000)

linux('an evaluation cancelled while the patched tests run is no verdict: the call is cancelled and no proposal says the tests fail', async () => {
  const ws = tempDir('warden-ws-')
  const pidFile = path.join(tempDir('warden-pid-'), 'pid')
  writeModule(ws, { name: 'alpha', pkg: { scripts: { test: 'node check.js' } }, files: { 'check.js': 'process.exit(0)\n' } })
  const host = new WardenHost({ home: tempDir('warden-home-'), runtime: 'cli', watch: false })
  hosts.push(host)
  await host.openWorkspace(ws)
  host.settings.set('healingSandboxTimeoutSeconds', 600)
  // The patch makes its tests take a minute.
  const diff = `--- a/check.js\n+++ b/check.js\n@@ -1 +1 @@\n-process.exit(0)\n+require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 60_000)\n`
  const call = host.invoke('healing.evaluate', { module: 'alpha', diff }, 'eval-1')
  const pid = Number(await waitFor(() => (fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : null), 'the patched tests to start'))
  expect(host.cancel('eval-1')).toBe(true)
  const result = await call
  expect(result.ok ? 'ok' : result.error.code).toBe('CANCELLED')
  await waitFor(() => !alive(pid), 'the module test to be stopped', 5000)
  expect(host.healing.proposals({ status: 'pending', limit: 10 }).patches).toEqual([])
}, 30_000)
