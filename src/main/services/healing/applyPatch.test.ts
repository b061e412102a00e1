import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { expectError, openHost, tempDir, writeModule } from '../../../../test/fixtures'
import { applyContextOf, storedPatch } from '../../../../test/healing'
import { inferenceHost, waitFor } from '../../../../test/inference'
import { PersonaStore } from '../personas/PersonaStore'
import { commitApplied } from './apply/context'
import { planModuleDiff } from './apply/moduleDiffApply'
import { PatchApplier } from './applyPatch'
import { describeChange } from './describeChange'

const hosts: Array<{ dispose(): void }> = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

async function setup(options: { git?: boolean } = {}) {
  const ws = tempDir('warden-ws-')
  const alpha = writeModule(ws, { name: 'alpha', files: { 'lib/math.js': 'exports.add = (a, b) => a - b\nexports.one = 1\n' } })
  writeModule(ws, { name: 'beta' })
  if (options.git) {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ws, env: { ...process.env, GIT_AUTHOR_NAME: 'P', GIT_AUTHOR_EMAIL: 'p@x', GIT_COMMITTER_NAME: 'P', GIT_COMMITTER_EMAIL: 'p@x' } }).toString().trim()
    git('init', '-q', '-b', 'main')
    git('add', '-A')
    git('commit', '-q', '-m', 'start')
  }
  const opened = await openHost(ws)
  hosts.push(opened.host)
  const ctx = applyContextOf(opened.host)
  return { ws, alpha, ...opened, ctx, applier: new PatchApplier(ctx) }
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd }).toString().trim()
const person = { by: 'person' as const }

const fixAdd = `--- a/lib/math.js
+++ b/lib/math.js
@@ -1,2 +1,2 @@
-exports.add = (a, b) => a - b
+exports.add = (a, b) => a + b
 exports.one = 1
--- /dev/null
+++ b/lib/two.js
@@ -0,0 +1 @@
+exports.two = 2
`

describe('settings patches', () => {
  it('read as a diff of the values, apply with the status in one transaction, and roll back to `from`', async () => {
    const { host, ctx, applier } = await setup()
    const change = { kind: 'settings' as const, changes: [{ key: 'maxVRAM', from: 0, to: 2048 }] }
    expect(describeChange(change)).toContain('-maxVRAM: 0\n+maxVRAM: 2048')
    const patch = storedPatch(ctx.store, change)
    const applied = await applier.apply(patch, person)
    expect(applied).toMatchObject({ status: 'applied', decidedBy: 'person' })
    expect(host.settings.get().maxVRAM).toBe(2048)
    const back = await applier.rollback(applied, person)
    expect(back.status).toBe('rolled-back')
    expect(host.settings.get().maxVRAM).toBe(0)
  })

  it('refuse with CONFLICT, changing nothing, when someone else changed the value', async () => {
    const { host, ctx, applier } = await setup()
    const patch = storedPatch(ctx.store, { kind: 'settings', changes: [{ key: 'maxVRAM', from: 0, to: 2048 }, { key: 'healingIntervalMinutes', from: 5, to: 10 }] })
    host.settings.set('maxVRAM', 512)
    const err = await expectError(applier.apply(patch, person))
    expect(err.code).toBe('CONFLICT')
    expect(err.message).toContain('maxVRAM is 512, not 0')
    expect(host.settings.get().healingIntervalMinutes).toBe(5)
    expect(ctx.store.require(patch.id).status).toBe('proposed')

    host.settings.set('maxVRAM', 0)
    await applier.apply(patch, person)
    host.settings.set('maxVRAM', 4096)
    const late = await expectError(applier.rollback(patch, person))
    expect(late.code).toBe('CONFLICT')
    expect(late.message).toContain('maxVRAM is 4096, not 2048')
    expect(host.settings.get()).toMatchObject({ maxVRAM: 4096, healingIntervalMinutes: 10 })
    expect(ctx.store.require(patch.id).status).toBe('applied')
  })

  it('change a persona’s settings and genome, and put them back', async () => {
    const { host, ctx, applier } = await setup()
    const personas = new PersonaStore(host.database)
    personas.create({ name: 'Ada', model: 'tiny', systemPrompt: 'hi', settings: {} })
    const genome = { mode: 'fixed', adapters: [{ name: 'calm', scale: 0.5 }] }
    const change = { kind: 'persona' as const, persona: 'Ada', settings: { temperature: { from: 0.7, to: 0.2 }, genome: { from: { mode: 'none', adapters: [] }, to: genome } } }
    const diff = describeChange(change)
    expect(diff).toContain('-temperature: 0.7')
    expect(diff).toContain('+temperature: 0.2')
    expect(diff).toContain('"name": "calm"')
    const patch = await applier.apply(storedPatch(ctx.store, change), person)
    expect(personas.get('Ada').settings).toMatchObject({ temperature: 0.2, genome })
    await applier.rollback(patch, person)
    expect(personas.get('Ada').settings).toMatchObject({ temperature: 0.7, genome: { mode: 'none', adapters: [] } })
  })
})

describe('module diff patches', () => {
  it('apply to the files, become a commit on warden/heal-<id> without moving the person’s branch, and roll back with a revert commit', async () => {
    const { ws, alpha, ctx, applier } = await setup({ git: true })
    const patch = storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: fixAdd })
    const applied = await applier.apply(patch, person)
    expect(applied.status).toBe('applied')
    expect(fs.readFileSync(path.join(alpha, 'lib/math.js'), 'utf8')).toBe('exports.add = (a, b) => a + b\nexports.one = 1\n')
    expect(fs.readFileSync(path.join(alpha, 'lib/two.js'), 'utf8')).toBe('exports.two = 2\n')

    const branch = `warden/heal-${patch.id}`
    expect(git(ws, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main')
    expect(git(ws, 'show', `${branch}:commands/alpha/lib/math.js`)).toBe('exports.add = (a, b) => a + b\nexports.one = 1')
    expect(git(ws, 'log', '--format=%s', branch)).toContain(`Warden healing ${patch.id}`)
    // The person's index is untouched: the change shows as theirs to commit or not.
    expect(git(ws, 'diff', '--cached', '--name-only')).toBe('')

    await applier.rollback(applied, person)
    expect(fs.readFileSync(path.join(alpha, 'lib/math.js'), 'utf8')).toBe('exports.add = (a, b) => a - b\nexports.one = 1\n')
    expect(fs.existsSync(path.join(alpha, 'lib/two.js'))).toBe(false)
    expect(git(ws, 'log', '--format=%s', '-1', branch)).toBe(`Revert Warden healing ${patch.id}: test module-diff`)
    expect(git(ws, 'show', `${branch}:commands/alpha/lib/math.js`)).toBe('exports.add = (a, b) => a - b\nexports.one = 1')
    expect(git(ws, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main')
    expect(git(ws, 'status', '--porcelain')).toBe('')
  })

  it('refuse paths outside the module, symbolic links out of it, and hunks that do not apply, writing nothing', async () => {
    const { ws, alpha, ctx, applier } = await setup()
    const before = fs.readFileSync(path.join(alpha, 'lib/math.js'), 'utf8')
    const outside = `--- a/../beta/index.js\n+++ b/../beta/index.js\n@@ -1 +1 @@\n-module.exports = "beta"\n+module.exports = "owned"\n`
    const e1 = await expectError(applier.apply(storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: outside }), person))
    expect(e1.code).toBe('INVALID_INPUT')
    expect(e1.message).toContain('../beta/index.js')

    fs.symlinkSync(path.join(ws, 'commands', 'beta'), path.join(alpha, 'link'))
    const viaLink = `--- a/link/index.js\n+++ b/link/index.js\n@@ -1 +1 @@\n-module.exports = "beta"\n+module.exports = "owned"\n`
    const e2 = await expectError(applier.apply(storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: viaLink }), person))
    expect(e2.message).toMatch(/symbolic link takes out of the module/)

    const stale = fixAdd.replace('-exports.add = (a, b) => a - b', '-exports.add = (a, b) => a * b')
    const e3 = await expectError(applier.apply(storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: stale }), person))
    expect(e3.code).toBe('CONFLICT')
    expect(e3.message).toContain('does not apply: lib/math.js')

    expect(fs.readFileSync(path.join(alpha, 'lib/math.js'), 'utf8')).toBe(before)
    expect(fs.existsSync(path.join(alpha, 'lib/two.js'))).toBe(false)
    expect(fs.readFileSync(path.join(ws, 'commands/beta/index.js'), 'utf8')).toBe('module.exports = "beta"\n')
  })

  it('the applier checks as the sandbox does: nothing into node_modules, no deletion that leaves text, no rename', async () => {
    const { alpha, ctx, applier } = await setup()
    fs.mkdirSync(path.join(alpha, 'node_modules', 'dep'), { recursive: true })
    fs.writeFileSync(path.join(alpha, 'node_modules', 'dep', 'index.js'), 'module.exports = 1\n')
    const intoDeps = `--- a/node_modules/dep/index.js\n+++ b/node_modules/dep/index.js\n@@ -1 +1 @@\n-module.exports = 1\n+module.exports = 2\n`
    expect((await expectError(applier.apply(storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: intoDeps }), person))).message).toMatch(/inside node_modules/)
    const partialDelete = `--- a/lib/math.js\n+++ /dev/null\n@@ -1,2 +1,1 @@\n-exports.add = (a, b) => a - b\n exports.one = 1\n`
    expect((await expectError(applier.apply(storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: partialDelete }), person))).message).toMatch(/leave text/)
    const rename = fixAdd.split('--- /dev/null')[0].replace('+++ b/lib/math.js', '+++ b/lib/other.js')
    expect((await expectError(applier.apply(storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: rename }), person))).message).toMatch(/renames lib\/math.js/)
    expect(fs.readFileSync(path.join(alpha, 'lib/math.js'), 'utf8')).toBe('exports.add = (a, b) => a - b\nexports.one = 1\n')
    expect(fs.readFileSync(path.join(alpha, 'node_modules', 'dep', 'index.js'), 'utf8')).toBe('module.exports = 1\n')
  })

  it('two approvals of one patch at once: applied once, the other refused, the files as the patch says', async () => {
    const { alpha, ctx, applier } = await setup()
    const patch = storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: fixAdd })
    const [a, b] = await Promise.allSettled([applier.apply(patch, person), applier.apply(patch, person)])
    expect([a.status, b.status].sort()).toEqual(['fulfilled', 'rejected'])
    expect(((a.status === 'rejected' ? a : b) as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' })
    expect(ctx.store.require(patch.id).status).toBe('applied')
    expect(fs.readFileSync(path.join(alpha, 'lib/math.js'), 'utf8')).toBe('exports.add = (a, b) => a + b\nexports.one = 1\n')
    expect(await ctx.journal.pending()).toEqual([])
  })

  it('a write that fails halfway puts the files written so far back at once', async () => {
    const { alpha, ctx, applier } = await setup()
    // The second file cannot be written: its folder would be a file the first one just changed.
    const blocked = `${fixAdd.split('--- /dev/null')[0]}--- /dev/null\n+++ b/lib/math.js/extra.js\n@@ -0,0 +1 @@\n+exports.x = 1\n`
    const patch = storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: blocked })
    await expectError(applier.apply(patch, person))
    expect(fs.readFileSync(path.join(alpha, 'lib/math.js'), 'utf8')).toBe('exports.add = (a, b) => a - b\nexports.one = 1\n')
    expect(ctx.store.require(patch.id).status).toBe('proposed')
    expect(await ctx.journal.pending()).toEqual([])
  })

  it('refuse a rollback with CONFLICT when a file changed since it was applied', async () => {
    const { alpha, ctx, applier } = await setup()
    const applied = await applier.apply(storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: fixAdd }), person)
    fs.writeFileSync(path.join(alpha, 'lib/two.js'), 'exports.two = 22\n')
    const err = await expectError(applier.rollback(applied, person))
    expect(err.code).toBe('CONFLICT')
    expect(err.message).toContain('lib/two.js changed since')
    expect(fs.readFileSync(path.join(alpha, 'lib/two.js'), 'utf8')).toBe('exports.two = 22\n')
  })

  it('after a crash before the commit, start-up puts every file back as it was', async () => {
    const { alpha, ctx, applier } = await setup()
    const patch = storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: fixAdd })
    // The state a SIGKILL leaves after the files were written, before the status was committed.
    const files = await planModuleDiff(alpha, 'commands/alpha', fixAdd)
    await ctx.journal.write({ patchId: patch.id, op: 'apply', pid: 2147483646, startedAt: 1, files })
    fs.writeFileSync(path.join(alpha, 'lib/math.js'), files[0].after!)
    fs.writeFileSync(path.join(alpha, 'lib/two.js'), files[1].after!)

    const done = await applier.recover()
    expect(done.join('\n')).toContain(`undid the interrupted apply of ${patch.id}`)
    expect(fs.readFileSync(path.join(alpha, 'lib/math.js'), 'utf8')).toBe('exports.add = (a, b) => a - b\nexports.one = 1\n')
    expect(fs.existsSync(path.join(alpha, 'lib/two.js'))).toBe(false)
    expect(ctx.store.require(patch.id).status).toBe('proposed')
    expect(await applier.recover()).toEqual([])
  })

  it('a server started on the home after the crash undoes it on its own', async () => {
    const { alpha, ctx, home } = await setup()
    const patch = storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: fixAdd })
    const files = await planModuleDiff(alpha, 'commands/alpha', fixAdd)
    await ctx.journal.write({ patchId: patch.id, op: 'apply', pid: 2147483646, startedAt: 1, files })
    fs.writeFileSync(path.join(alpha, 'lib/two.js'), files[1].after!)
    const server = inferenceHost({ home })
    hosts.push(server.host)
    await waitFor(() => !fs.existsSync(path.join(alpha, 'lib/two.js')), 'the interrupted apply undone at start-up')
    await waitFor(async () => (await ctx.journal.pending()).length === 0, 'the journal entry removed')
  })

  it('after a crash after the commit, start-up finishes: the files as applied and the git commit made', async () => {
    const { ws, alpha, ctx, applier } = await setup({ git: true })
    const patch = storedPatch(ctx.store, { kind: 'module-diff', module: 'alpha', diff: fixAdd })
    const files = await planModuleDiff(alpha, 'commands/alpha', fixAdd)
    await ctx.journal.write({ patchId: patch.id, op: 'apply', pid: 2147483646, startedAt: 1, files })
    // Committed, with one file written and the other not yet, and no git commit yet.
    fs.writeFileSync(path.join(alpha, 'lib/math.js'), files[0].after!)
    commitApplied(ctx, patch, person, { files, gitTop: fs.realpathSync(ws) })

    await applier.recover()
    expect(fs.readFileSync(path.join(alpha, 'lib/two.js'), 'utf8')).toBe('exports.two = 2\n')
    expect(git(ws, 'show', `warden/heal-${patch.id}:commands/alpha/lib/two.js`)).toBe('exports.two = 2')
    // And it rolls back as any applied patch.
    await applier.rollback(ctx.store.require(patch.id), person)
    expect(fs.existsSync(path.join(alpha, 'lib/two.js'))).toBe(false)
  })
})

describe('module action patches', () => {
  it('hibernate a module as healing, and roll back by waking it, losslessly', async () => {
    const { alpha, host, ctx, applier } = await setup()
    const before = fs.readFileSync(path.join(alpha, 'lib/math.js'), 'utf8')
    const change = { kind: 'module-action' as const, module: 'alpha', action: 'hibernate' as const }
    expect(describeChange(change)).toContain('+hibernate alpha: hibernate it')
    const applied = await applier.apply(storedPatch(ctx.store, change), person)
    expect(fs.existsSync(alpha)).toBe(false)
    const [version] = (await host.requireHibernation().versions('alpha')).versions
    expect(version.hibernatedBy).toBe('healing')
    await applier.rollback(applied, person)
    expect(fs.readFileSync(path.join(alpha, 'lib/math.js'), 'utf8')).toBe(before)
  })

  it('hibernate a module with its dependents, and roll back by waking the whole tree', async () => {
    const { ws, alpha, host, ctx, applier } = await setup()
    const gamma = writeModule(ws, { name: 'gamma', deps: ['alpha'] })
    const delta = writeModule(ws, { name: 'delta', deps: ['gamma'] })
    const change = { kind: 'module-action' as const, module: 'alpha', action: 'hibernate-tree' as const }
    const applied = await applier.apply(storedPatch(ctx.store, change), person)
    for (const dir of [alpha, gamma, delta]) expect(fs.existsSync(dir)).toBe(false)
    await applier.rollback(applied, person)
    for (const dir of [alpha, gamma, delta]) expect(fs.existsSync(path.join(dir, 'package.json'))).toBe(true)
    const active = [...(await host.requireHibernation().workspace.scan({ sizes: false })).modules.keys()].sort()
    expect(active).toEqual(['alpha', 'beta', 'delta', 'gamma'])
  })

  it('after a crash once the module was hibernated but before the commit, start-up finishes the apply', async () => {
    const { alpha, host, ctx, applier } = await setup()
    const patch = storedPatch(ctx.store, { kind: 'module-action', module: 'alpha', action: 'hibernate' })
    await ctx.journal.write({ patchId: patch.id, op: 'apply', pid: 2147483646, startedAt: 1, workspace: host.requireHibernation().workspace.root, stepsDone: 0, steps: 1, finalActive: false })
    await host.requireHibernation().hibernate({ name: 'alpha', reason: 'healing', withDependents: false, hibernatedBy: 'healing' })
    expect((await applier.recover()).join('\n')).toContain(`finished the interrupted apply of ${patch.id}`)
    expect(ctx.store.require(patch.id).status).toBe('applied')
    await applier.rollback(ctx.store.require(patch.id), person)
    expect(fs.existsSync(path.join(alpha, 'lib/math.js'))).toBe(true)
  })

  it('after a crash between the two steps of waking an older version, start-up wakes the one that was active', async () => {
    const { alpha, host, ctx, applier } = await setup()
    const h = host.requireHibernation()
    await h.hibernate({ name: 'alpha', reason: 'old', withDependents: false, hibernatedBy: 'user' })
    writeModule(path.dirname(path.dirname(alpha)), { name: 'alpha', version: '2.0.0' })
    const patch = storedPatch(ctx.store, { kind: 'module-action', module: 'alpha', action: 'wake-version', version: '1.0.0' })
    await ctx.journal.write({ patchId: patch.id, op: 'apply', pid: 2147483646, startedAt: 1, workspace: h.workspace.root, stepsDone: 0, steps: 2, finalActive: true })
    await h.hibernate({ name: 'alpha', reason: 'healing', withDependents: false, hibernatedBy: 'healing' })
    await applier.recover()
    expect(JSON.parse(fs.readFileSync(path.join(alpha, 'package.json'), 'utf8')).version).toBe('2.0.0')
    expect(ctx.store.require(patch.id).status).toBe('proposed')

    // Done in full, the older one is active and rollback brings 2.0.0 back.
    const applied = await applier.apply(ctx.store.require(patch.id), person)
    expect(JSON.parse(fs.readFileSync(path.join(alpha, 'package.json'), 'utf8')).version).toBe('1.0.0')
    await applier.rollback(applied, person)
    expect(JSON.parse(fs.readFileSync(path.join(alpha, 'package.json'), 'utf8')).version).toBe('2.0.0')
  })

  it('waking an older version that turns out damaged leaves the active version in place', async () => {
    const { alpha, host, ctx, applier } = await setup()
    const h = host.requireHibernation()
    const old = (await h.hibernate({ name: 'alpha', reason: 'old', withDependents: false, hibernatedBy: 'user' })).hibernated[0]
    writeModule(path.dirname(path.dirname(alpha)), { name: 'alpha', version: '2.0.0' })
    fs.writeFileSync(old.archivePath, 'not an archive any more')
    const patch = storedPatch(ctx.store, { kind: 'module-action', module: 'alpha', action: 'wake-version', version: '1.0.0' })
    const err = await expectError(applier.apply(patch, person))
    expect(err.code).toBe('CHECKSUM_MISMATCH')
    expect(JSON.parse(fs.readFileSync(path.join(alpha, 'package.json'), 'utf8')).version).toBe('2.0.0')
    expect(ctx.store.require(patch.id).status).toBe('proposed')
  })
})
