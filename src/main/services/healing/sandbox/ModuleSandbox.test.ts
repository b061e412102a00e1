import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fingerprint, tempDir, writeModule } from '../../../../../test/fixtures'
import { processAlive, waitFor } from '../../../../../test/inference'
import { Workspace } from '../../workspace/Workspace'
import { fitness } from '../fitness'
import { ModuleSandbox } from './ModuleSandbox'

const BANDS = { phiMin: 0.65, phiMax: 0.85, driftMax: 2, applyThreshold: 0.7 }

/** A module whose `add` is wrong, with node:test tests that catch it. */
const BROKEN_ADD = {
  'index.js': 'exports.add = (a, b) => a - b\nexports.name = "math"\n',
  'test/add.test.js': [
    "const test = require('node:test')",
    "const assert = require('node:assert')",
    "const { add } = require('../index.js')",
    "test('adds', () => assert.strictEqual(add(2, 3), 5))",
    "test('adds zero', () => assert.strictEqual(add(0, 0), 0))",
    '',
  ].join('\n'),
}

const FIX_ADD = ['--- a/index.js', '+++ b/index.js', '@@ -1,2 +1,2 @@', '-exports.add = (a, b) => a - b', '+exports.add = (a, b) => a + b', ' exports.name = "math"', ''].join('\n')

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

async function setup(files: Record<string, string>, pkg?: Record<string, unknown>, limits = { timeoutSeconds: 30, memoryMB: 512 }) {
  const root = tempDir('warden-sandbox-ws-')
  dirs.push(root)
  const dir = writeModule(root, { name: 'math', files, pkg })
  const workspace = await Workspace.open(root)
  const sandbox = new ModuleSandbox({ workspace: () => workspace, limits: () => limits })
  return { root, dir, sandbox }
}

describe('ModuleSandbox', () => {
  it('runs the tests before and after a fixing diff on a copy, and the fix scores apply', async () => {
    const { dir, sandbox } = await setup(BROKEN_ADD)
    const untouched = fingerprint(dir)
    const phases: string[] = []
    const result = await sandbox.evaluateDiff({ kind: 'module-diff', module: 'math', diff: FIX_ADD }, { onProgress: (m) => phases.push(m) })
    expect(result.passed).toBe(true)
    expect(result.before).toMatchObject({ testsPassed: 1, testsFailed: 1 })
    expect(result.after).toMatchObject({ testsPassed: 2, testsFailed: 0, drift: 0 })
    expect(result.log).toContain('Before the patch')
    expect(result.log).toContain('After the patch')
    expect(result.log).toContain('not ok')
    expect(phases).toEqual(expect.arrayContaining(['copying', 'tests before', 'tests after']))
    // The real module is never touched.
    expect(fingerprint(dir)).toEqual(untouched)
    expect(fs.readFileSync(path.join(dir, 'index.js'), 'utf8')).toContain('a - b')
    const f = fitness(result, BANDS)
    expect(f.recommendation).toBe('apply')
    expect(f.parts).toMatchObject({ phi: 1, basin: 1, errors: 1 })
  })

  it('a diff that breaks the tests is rejected', async () => {
    const { sandbox } = await setup({ ...BROKEN_ADD, 'index.js': 'exports.add = (a, b) => a + b\nexports.name = "math"\n' })
    const breaking = FIX_ADD.replace('-exports.add = (a, b) => a - b', '-exports.add = (a, b) => a + b').replace('+exports.add = (a, b) => a + b', '+exports.add = (a, b) => a * b')
    const result = await sandbox.evaluateDiff({ kind: 'module-diff', module: 'math', diff: breaking })
    expect(result.passed).toBe(false)
    expect(result.before).toMatchObject({ testsPassed: 2, testsFailed: 0 })
    expect(result.after.testsFailed).toBeGreaterThan(0)
    expect(fitness(result, BANDS).recommendation).toBe('reject')
  })

  it('runs the package.json test script when there is one', async () => {
    const { sandbox } = await setup({ 'check.js': "if (require('./index.js') !== 'math') { console.log('not ok 1 - name'); process.exit(1) } console.log('ok 1 - name')\n" }, { scripts: { test: 'node check.js' } })
    const run = await sandbox.check('math')
    expect(run).toMatchObject({ ran: 'tests', command: 'node check.js', ok: true, counts: { passed: 1, failed: 0 } })
  })

  it('loads the entry point of a module without tests, and reports one that throws', async () => {
    const { sandbox, dir } = await setup({})
    expect(await sandbox.check('math')).toMatchObject({ ran: 'entry', ok: true, exports: ['(default string)'] })
    fs.writeFileSync(path.join(dir, 'index.js'), "throw new Error('broken at load')\n")
    const run = await sandbox.check('math')
    expect(run).toMatchObject({ ran: 'entry', ok: false })
    expect(run.output).toContain('broken at load')
  })

  it('kills a runaway test at the timeout (its whole process group) and the patch is rejected', async () => {
    const { root, sandbox } = await setup(BROKEN_ADD, undefined, { timeoutSeconds: 4, memoryMB: 256 })
    // The "fix" spawns a child that would outlive its parent (its pid written down), then loops forever.
    const pidFile = path.join(root, 'stray.pid')
    const runaway = FIX_ADD.replace(
      '+exports.add = (a, b) => a + b',
      `+const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); while (true) {}`,
    )
    const result = await sandbox.evaluateDiff({ kind: 'module-diff', module: 'math', diff: runaway })
    expect(result.passed).toBe(false)
    const strayPid = Number(fs.readFileSync(pidFile, 'utf8'))
    await waitFor(() => !processAlive(strayPid), 'the stray child to be killed with its group')
    expect(result.log).toContain('still running after the 4 s limit')
    expect(fitness(result, BANDS).recommendation).toBe('reject')
  })

  it('stops a test that allocates too much, and the patch is rejected', async () => {
    const { sandbox } = await setup(BROKEN_ADD, undefined, { timeoutSeconds: 30, memoryMB: 64 })
    const hog = FIX_ADD.replace('+exports.add = (a, b) => a + b', '+const hog = []; while (true) hog.push(new Array(100000).fill(Math.random())); exports.add = (a, b) => a + b')
    const result = await sandbox.evaluateDiff({ kind: 'module-diff', module: 'math', diff: hog })
    expect(result.passed).toBe(false)
    expect(result.log).toContain('over the 64 MB memory limit')
    expect(fitness(result, BANDS).recommendation).toBe('reject')
  })

  it('refuses a diff that does not apply, naming the file and hunk, before running anything', async () => {
    const { sandbox } = await setup(BROKEN_ADD)
    const stale = FIX_ADD.replace('-exports.add = (a, b) => a - b', '-exports.add = (a, b) => a / b')
    await expect(sandbox.evaluateDiff({ kind: 'module-diff', module: 'math', diff: stale })).rejects.toThrow(/index\.js, hunk 1 of 1 \(@@ -1,2 \+1,2 @@\) does not match/)
  })

  it('says a module that is not active cannot be tested', async () => {
    const { sandbox } = await setup(BROKEN_ADD)
    await expect(sandbox.check('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('a module action: the module’s tests now are the before, the after is unknown and the log says so', async () => {
    const { sandbox } = await setup(BROKEN_ADD)
    const result = await sandbox.evaluateAction({ kind: 'module-action', module: 'math', action: 'hibernate' })
    expect(result.passed).toBeNull()
    expect(result.before).toMatchObject({ testsPassed: 1, testsFailed: 1 })
    expect(result.after).toEqual({ phi: null, drift: null, errorRate: null, testsPassed: null, testsFailed: null })
    expect(result.log).toContain('After "hibernate": not measured in the sandbox')
    expect(fitness(result, BANDS).recommendation).toBe('test_more')
  })
})
