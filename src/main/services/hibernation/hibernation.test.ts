import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { expectError, fingerprint, openHost, tempDir, writeModule, writeRichModule } from '../../../../test/fixtures'

const hosts: Array<{ dispose(): void }> = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

async function setup(options: { now?: () => number } = {}) {
  const ws = tempDir('warden-ws-')
  const opened = await openHost(ws, undefined, options)
  hosts.push(opened.host)
  return { ws, ...opened }
}

describe('hibernate and wake', () => {
  it('packs every file byte for byte with its mode, removes the module, and wakes it back identical', async () => {
    const { ws, call } = await setup()
    const dir = writeRichModule(ws)
    const before = fingerprint(dir)

    const out = await call('module.hibernate', { name: 'rich-module', reason: 'deprecated' })
    expect(fs.existsSync(dir)).toBe(false)
    const [entry] = out.hibernated
    expect(path.basename(entry.archivePath)).toMatch(/^rich-module\.\d{13}\.tgz$/)
    expect(out.activeCounts).toEqual({ commands: 0, daemons: 0, widgets: 0 })
    expect(out.restoreCommand).toBe('warden module wake --name rich-module')

    // The seed's metadata format, plus Warden's fields.
    const meta = JSON.parse(fs.readFileSync(entry.metadataPath, 'utf8'))
    expect(meta).toMatchObject({
      module: 'rich-module',
      type: 'command',
      reason: 'deprecated',
      hibernatedBy: 'user',
      dependencies: [],
      dependents: [],
      usage: { lastUsed: null, totalCalls: 0, avgCallsPerDay: 0 },
      formatVersion: 1,
      originalPath: 'commands/rich-module',
      leftOut: ['.git', 'node_modules'],
    })
    expect(meta.checksums.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(meta.packageSize).toBe(fs.statSync(entry.archivePath).size)
    expect(meta.fileCount).toBe(Object.values(before).filter((v) => !v.startsWith('dir')).length)

    // GNU tar reads it, npm-style: everything under package/, nothing from node_modules or .git.
    const listing = execFileSync('tar', ['-tzf', entry.archivePath], { encoding: 'utf8' }).trim().split('\n')
    expect(listing.every((l) => l.startsWith('package/'))).toBe(true)
    expect(listing).toContain('package/docs/naïve café notes.md')
    expect(listing).toContain('package/test/a.test.js')
    expect(listing.some((l) => l.includes('node_modules') || l.includes('.git/'))).toBe(false)

    const structure = JSON.parse(fs.readFileSync(path.join(ws, '.warden/structure.json'), 'utf8'))
    expect(structure.counts.commands).toBe(0)

    // The module's own git repository waits aside (history cannot be rebuilt); node_modules can be.
    expect(meta.keptAside).toEqual(['.git'])
    expect(fs.readFileSync(path.join(ws, '.warden/kept', path.basename(entry.archivePath, '.tgz'), '.git/HEAD'), 'utf8')).toContain('refs/heads/main')

    const woke = await call('module.wake', { name: 'rich-module' })
    expect(woke.woken[0].path).toBe('commands/rich-module')
    expect(fingerprint(dir)).toEqual(before)
    expect(fs.readFileSync(path.join(dir, '.git/HEAD'), 'utf8')).toContain('refs/heads/main')
    expect(fs.existsSync(path.join(dir, 'node_modules'))).toBe(false)
    expect(fs.existsSync(path.join(ws, '.warden/kept', path.basename(entry.archivePath, '.tgz')))).toBe(false)
    expect(fs.readdirSync(path.join(ws, '.warden/tmp'))).toEqual([])
  })

  it('refuses a module with active dependents, naming them, and hibernates the whole tree with --with-dependents', async () => {
    const { ws, call } = await setup()
    writeModule(ws, { name: 'data-daemon', kind: 'daemons' })
    writeModule(ws, { name: 'user-daemon', kind: 'daemons', deps: ['data-daemon'] })
    writeModule(ws, { name: 'chat-send', deps: ['user-daemon'] })
    writeModule(ws, { name: 'hello' })

    const refused = await expectError(call('module.hibernate', { name: 'data-daemon' }))
    expect(refused.code).toBe('HAS_DEPENDENTS')
    expect(refused.message).toContain('user-daemon')
    expect(fs.existsSync(path.join(ws, 'daemons/data-daemon/package.json'))).toBe(true)
    expect(fs.existsSync(path.join(ws, '.warden/hibernation')) ? fs.readdirSync(path.join(ws, '.warden/hibernation')) : []).toEqual([])

    const out = await call('module.hibernate', { name: 'data-daemon', withDependents: true, reason: 'crash' })
    expect(out.hibernated.map((h) => h.name).sort()).toEqual(['chat-send', 'data-daemon', 'user-daemon'])
    expect(out.groupId).not.toBeNull()
    const listed = await call('module.list', {})
    expect(listed.kinds.flatMap((k) => k.modules.map((m) => m.name))).toEqual(['hello'])

    // Waking any member wakes the group.
    const woke = await call('module.wake', { name: 'user-daemon' })
    expect(woke.woken.map((w) => w.name).sort()).toEqual(['chat-send', 'data-daemon', 'user-daemon'])
    const after = await call('module.list', {})
    const chat = after.kinds.flatMap((k) => k.modules).find((m) => m.name === 'chat-send')!
    expect(chat.dependencies).toEqual(['user-daemon'])
    expect((await call('module.listHibernated', {})).modules).toEqual([])
  })

  it('never overwrites an active module on wake', async () => {
    const { ws, call } = await setup()
    const dir = writeModule(ws, { name: 'hello', files: { 'a.txt': 'one' } })
    await call('module.hibernate', { name: 'hello' })
    writeModule(ws, { name: 'hello', files: { 'a.txt': 'new work' } })
    const err = await expectError(call('module.wake', { name: 'hello' }))
    expect(err.code).toBe('CONFLICT')
    expect(err.message).toContain('already active')
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('new work')
    // The old version is kept (not woken), but the module is active, so it is not listed as hibernated.
    expect((await call('module.versions', { name: 'hello' })).versions.map((v) => v.wokenAt)).toEqual([null])
    expect((await call('module.listHibernated', {})).modules).toEqual([])
    expect((await call('module.listHibernated', { includeWoken: true })).modules.map((m) => m.name)).toEqual(['hello'])
  })

  it('after a wake crashed before its rename, recovery leaves a folder that appeared at the target alone and the version hibernated', async () => {
    const { ws, call } = await setup()
    const dir = writeModule(ws, { name: 'eps', files: { 'work.txt': 'precious\n' } })
    const h = (await call('module.hibernate', { name: 'eps' })).hibernated[0]
    // The crashed wake had extracted into staging; then someone else created the target folder.
    const staging = path.join(ws, '.warden/tmp/.warden-tmp-wake-eps.2147483646.abcd1234')
    fs.mkdirSync(staging, { recursive: true })
    fs.writeFileSync(path.join(staging, 'work.txt'), 'precious\n')
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'README'), 'someone else\n')
    fs.mkdirSync(path.join(ws, '.warden/journal'), { recursive: true })
    const entry = { id: '1-dead', op: 'wake', pid: 2147483646, startedAt: 1, items: [{ name: 'eps', staging, target: dir, wokenMarker: h.archivePath.replace(/\.tgz$/, '.woken.json') }] }
    fs.writeFileSync(path.join(ws, '.warden/journal/1-dead.json'), JSON.stringify(entry))
    const report = await call('module.verify', { repair: true })
    expect(report.repaired).toContain('undid the interrupted wake of eps (it stays hibernated)')
    expect(fs.readFileSync(path.join(dir, 'README'), 'utf8')).toBe('someone else\n')
    expect(fs.existsSync(staging)).toBe(false)
    fs.rmSync(dir, { recursive: true })
    await call('module.wake', { name: 'eps' })
    expect(fs.readFileSync(path.join(dir, 'work.txt'), 'utf8')).toBe('precious\n')
  })

  it('wakes a .tgz uploaded by a client (a file dropped on the window)', async () => {
    const { ws, call } = await setup()
    const dir = writeModule(ws, { name: 'shared-widget', kind: 'widgets', files: { 'w.js': 'w\n' } })
    const before = fingerprint(dir)
    const packed = await call('module.pack', { name: 'shared-widget', outDir: tempDir() })
    await call('module.hibernate', { name: 'shared-widget' })
    const out = await call('module.wakeUpload', { fileName: path.basename(packed.path), dataBase64: fs.readFileSync(packed.path).toString('base64'), kind: 'widgets' })
    expect(out.woken[0]).toMatchObject({ name: 'shared-widget', path: 'widgets/shared-widget' })
    expect(fingerprint(dir)).toEqual(before)
    expect(fs.readdirSync(path.join(ws, '.warden/tmp'))).toEqual([])
    const notTgz = await expectError(call('module.wakeUpload', { fileName: 'notes.txt', dataBase64: 'aGVsbG8=' }))
    expect(notTgz.message).toContain('not a .tgz')
  })

  it('handles scoped names, spaces and unicode', async () => {
    const { ws, call } = await setup()
    const scoped = writeModule(ws, { name: '@team/cache-daemon', kind: 'daemons' })
    const unicode = writeModule(ws, { name: 'résumé export', kind: 'widgets' })
    const fpScoped = fingerprint(scoped)
    const fpUnicode = fingerprint(unicode)
    const a = await call('module.hibernate', { name: '@team/cache-daemon' })
    const b = await call('module.hibernate', { name: 'résumé export' })
    expect(path.basename(a.hibernated[0].archivePath)).toMatch(/^@team%2Fcache-daemon\.\d+\.tgz$/)
    expect(fs.existsSync(path.join(ws, 'daemons/@team'))).toBe(false)
    expect(path.basename(b.hibernated[0].archivePath)).toMatch(/^résumé export\.\d+\.tgz$/)
    const hib = await call('module.listHibernated', {})
    expect(hib.modules.map((m) => m.name).sort()).toEqual(['@team/cache-daemon', 'résumé export'])
    await call('module.wake', { name: '@team/cache-daemon' })
    await call('module.wake', { name: 'résumé export' })
    expect(fingerprint(scoped)).toEqual(fpScoped)
    expect(fingerprint(unicode)).toEqual(fpUnicode)
  })

  it('refuses a tampered archive on wake, writes nothing, and reports it as not restorable', async () => {
    const { ws, call } = await setup()
    writeModule(ws, { name: 'hello' })
    const out = await call('module.hibernate', { name: 'hello' })
    const archive = out.hibernated[0].archivePath
    const bytes = fs.readFileSync(archive)
    bytes[bytes.length - 5] ^= 0xff
    fs.writeFileSync(archive, bytes)

    const err = await expectError(call('module.wake', { name: 'hello' }))
    expect(err.code).toBe('CHECKSUM_MISMATCH')
    expect(fs.existsSync(path.join(ws, 'commands/hello'))).toBe(false)
    const listed = await call('module.listHibernated', {})
    expect(listed.modules[0].restorable).toBe(false)
    expect(listed.modules[0].problem).toContain('checksum mismatch')
    const report = await call('module.verify', {})
    expect(report.ok).toBe(false)
    expect(report.problems.some((p) => p.severity === 'error' && p.subject.startsWith('hello@'))).toBe(true)
  })

  it('keeps woken versions as history, wakes an older one with --at, and diffs versions', async () => {
    const { ws, call } = await setup()
    const dir = writeModule(ws, { name: 'hello', files: { 'greet.txt': 'hello\nworld\n', 'old.txt': 'bye\n' } })
    const v1 = (await call('module.hibernate', { name: 'hello', reason: 'v1' })).hibernated[0]
    await call('module.wake', { name: 'hello' })
    fs.writeFileSync(path.join(dir, 'greet.txt'), 'hello\nthere\n')
    fs.rmSync(path.join(dir, 'old.txt'))
    fs.writeFileSync(path.join(dir, 'new.txt'), 'fresh\n')
    const at1 = Number(/\.(\d+)\.tgz$/.exec(v1.archivePath)![1])

    // Version vs active module.
    const d1 = await call('module.diff', { name: 'hello', at: [at1] })
    const byPath = Object.fromEntries(d1.changes.map((c) => [c.path, c]))
    expect(byPath['new.txt'].status).toBe('added')
    expect(byPath['old.txt'].status).toBe('removed')
    expect(byPath['greet.txt'].status).toBe('changed')
    expect(byPath['greet.txt'].patch).toContain('-world')
    expect(byPath['greet.txt'].patch).toContain('+there')

    await new Promise((r) => setTimeout(r, 5))
    const v2 = (await call('module.hibernate', { name: 'hello', reason: 'v2' })).hibernated[0]
    const at2 = Number(/\.(\d+)\.tgz$/.exec(v2.archivePath)![1])
    const versions = await call('module.versions', { name: 'hello' })
    expect(versions.versions.map((v) => [v.hibernatedAt, v.wokenAt !== null])).toEqual([
      [at2, false],
      [at1, true],
    ])
    const d2 = await call('module.diff', { name: 'hello', at: [at1, at2] })
    expect(d2.changes.map((c) => `${c.status} ${c.path}`).sort()).toEqual(['added new.txt', 'changed greet.txt', 'removed old.txt'])

    await call('module.wake', { name: 'hello', at: at1 })
    expect(fs.readFileSync(path.join(dir, 'greet.txt'), 'utf8')).toBe('hello\nworld\n')
  })

  it('carries recorded usage into the metadata and back', async () => {
    const { ws, call } = await setup()
    writeModule(ws, { name: 'chat-send' })
    await call('module.recordUsage', { name: 'chat-send', calls: 40 })
    await call('module.recordUsage', { name: 'chat-send', calls: 2 })
    const out = await call('module.hibernate', { name: 'chat-send', reason: 'runtime-failure', error: { type: 'TypeError', message: "Cannot read property 'userId' of undefined" } })
    const meta = JSON.parse(fs.readFileSync(out.hibernated[0].metadataPath, 'utf8'))
    expect(meta.usage.totalCalls).toBe(42)
    expect(meta.usage.lastUsed).toBeGreaterThan(0)
    expect(meta.error.type).toBe('TypeError')
    const listed = await call('module.listHibernated', {})
    expect(listed.modules[0].usage.totalCalls).toBe(42)
    expect((await expectError(call('module.recordUsage', { name: 'chat-send' }))).code).toBe('NOT_FOUND')
  })

  it('archives old hibernations to WARDEN_HOME/module-archive, still wakeable', async () => {
    let now = Date.now()
    const { ws, home, call } = await setup({ now: () => now })
    writeModule(ws, { name: 'old-feature' })
    writeModule(ws, { name: 'recent' })
    await call('module.hibernate', { name: 'old-feature', reason: 'deprecated' })
    now += 40 * 86_400_000
    await call('module.hibernate', { name: 'recent' })
    const listed = await call('module.listHibernated', {})
    expect(listed.modules.find((m) => m.name === 'recent')!.archivesInDays).toBeGreaterThan(0)

    const out = await call('module.archive', { olderThan: 30 })
    expect(out.archived.map((a) => a.name)).toEqual(['old-feature'])
    expect(out.archiveDir).toBe(path.join(home, 'module-archive'))
    expect(fs.readdirSync(out.archiveDir).filter((f) => f.endsWith('.tgz'))).toHaveLength(1)
    expect((await call('module.listHibernated', {})).modules.map((m) => m.name)).toEqual(['recent'])
    expect((await call('module.listArchived', {})).modules.map((m) => m.name)).toEqual(['old-feature'])
    expect((await expectError(call('module.wake', { name: 'old-feature' }))).code).toBe('NOT_FOUND')
    await call('module.wake', { name: 'old-feature', fromArchive: true })
    expect(fs.existsSync(path.join(ws, 'commands/old-feature/package.json'))).toBe(true)
    expect((await call('module.verify', {})).ok).toBe(true)

    // An archive run cut short after it removed the metadata: the leftover .tgz is recognised, not an error.
    now += 40 * 86_400_000
    const recent = (await call('module.listHibernated', {})).modules[0]
    fs.copyFileSync(recent.archivePath, path.join(out.archiveDir, path.basename(recent.archivePath)))
    fs.copyFileSync(recent.metadataPath, path.join(out.archiveDir, path.basename(recent.metadataPath)))
    fs.rmSync(recent.metadataPath)
    const report = await call('module.verify', {})
    expect(report.ok).toBe(true)
    expect(report.problems.map((p) => p.message)).toContainEqual(expect.stringContaining('interrupted archive run'))
    expect((await call('module.verify', { repair: true })).repaired.join('\n')).toContain('left behind by an interrupted archive run')
    expect(fs.existsSync(recent.archivePath)).toBe(false)
  })

  it('refuses a link that points outside the module, changing nothing', async () => {
    const { ws, call } = await setup()
    const dir = writeModule(ws, { name: 'linky' })
    fs.symlinkSync('/etc/passwd', path.join(dir, 'passwd'))
    const err = await expectError(call('module.hibernate', { name: 'linky' }))
    expect(err.code).toBe('UNSAFE_ARCHIVE')
    expect(err.message).toContain('passwd')
    expect(fs.existsSync(path.join(dir, 'package.json'))).toBe(true)
  })

  it('keeps links that stay inside, through other links too, and refuses a chain that leads out', async () => {
    const { ws, call } = await setup()
    const dir = writeModule(ws, { name: 'linked', files: { 'src/util.js': 'u\n' } })
    fs.symlinkSync('src', path.join(dir, 'lib'))
    fs.symlinkSync('lib/util.js', path.join(dir, 'util.js'))
    const before = fingerprint(dir)
    await call('module.hibernate', { name: 'linked' })
    await call('module.wake', { name: 'linked' })
    expect(fingerprint(dir)).toEqual(before)
    expect(fs.readFileSync(path.join(dir, 'util.js'), 'utf8')).toBe('u\n')

    fs.symlinkSync('.', path.join(dir, 'q'))
    fs.symlinkSync('q/..', path.join(dir, 'p'))
    const err = await expectError(call('module.hibernate', { name: 'linked' }))
    expect(err.code).toBe('UNSAFE_ARCHIVE')
    expect(err.message).toMatch(/^p is a link pointing outside the package/)
    expect(fs.existsSync(path.join(dir, 'package.json'))).toBe(true)
  })

  it('a crash after the commit never deletes edits made to the module afterwards', async () => {
    const { ws, call } = await setup()
    const dir = writeModule(ws, { name: 'alpha', files: { 'notes.md': 'v1\n' } })
    const snapshot = tempDir()
    fs.cpSync(dir, snapshot, { recursive: true, preserveTimestamps: true })
    const h = (await call('module.hibernate', { name: 'alpha' })).hibernated[0]
    // The state a SIGKILL leaves between the commit and the removal: metadata written, module still
    // there, journal entry pending. Then the person goes on editing it.
    fs.cpSync(snapshot, dir, { recursive: true, preserveTimestamps: true })
    const { treeDigest, walkTree } = await import('../workspace/walk')
    const digest = treeDigest(await walkTree(dir))
    fs.mkdirSync(path.join(ws, '.warden/journal'), { recursive: true })
    const item = { name: 'alpha', source: dir, archive: h.archivePath, metadata: h.metadataPath, trash: path.join(ws, 'commands/.warden-tmp-trash-alpha.2147483646.abcd1234'), digest }
    fs.writeFileSync(path.join(ws, '.warden/journal/1-dead.json'), JSON.stringify({ id: '1-dead', op: 'hibernate', pid: 2147483646, startedAt: 1, items: [item] }))
    fs.writeFileSync(path.join(dir, 'notes.md'), 'v2, edited after the crash\n')
    fs.writeFileSync(path.join(dir, 'new-file.js'), 'new\n')

    const report = await call('module.verify', { repair: true })
    expect(report.repaired.join('\n')).toContain('kept alpha active')
    expect(fs.readFileSync(path.join(dir, 'notes.md'), 'utf8')).toBe('v2, edited after the crash\n')
    expect(fs.existsSync(path.join(dir, 'new-file.js'))).toBe(true)
    // And without edits the interrupted hibernation is finished.
    writeModule(ws, { name: 'beta' })
    const hb = (await call('module.hibernate', { name: 'beta' })).hibernated[0]
    const betaDir = writeModule(ws, { name: 'beta' })
    const betaItem = { ...item, name: 'beta', source: betaDir, archive: hb.archivePath, metadata: hb.metadataPath, trash: path.join(ws, 'commands/.warden-tmp-trash-beta.2147483646.abcd1234'), digest: treeDigest(await walkTree(betaDir)) }
    fs.writeFileSync(path.join(ws, '.warden/journal/2-dead.json'), JSON.stringify({ id: '2-dead', op: 'hibernate', pid: 2147483646, startedAt: 1, items: [betaItem] }))
    expect((await call('module.verify', { repair: true })).repaired).toContain('finished hibernating beta')
    expect(fs.existsSync(betaDir)).toBe(false)

    // A crash in the middle of deleting the checked copy: half a module is left aside. It is
    // finished off, never mistaken for an edited module and put back.
    writeModule(ws, { name: 'gamma', files: { 'a.txt': 'a', 'b.txt': 'b' } })
    const hg = (await call('module.hibernate', { name: 'gamma' })).hibernated[0]
    const doomed = path.join(ws, 'commands/.warden-tmp-doomed-gamma.2147483646.abcd1234')
    fs.mkdirSync(doomed)
    fs.writeFileSync(path.join(doomed, 'b.txt'), 'b')
    const gammaItem = { ...item, name: 'gamma', source: path.join(ws, 'commands/gamma'), archive: hg.archivePath, metadata: hg.metadataPath, trash: path.join(ws, 'commands/.warden-tmp-trash-gamma.2147483646.abcd1234'), digest: 'x' }
    fs.writeFileSync(path.join(ws, '.warden/journal/3-dead.json'), JSON.stringify({ id: '3-dead', op: 'hibernate', pid: 2147483646, startedAt: 1, items: [gammaItem] }))
    expect((await call('module.verify', { repair: true })).repaired).toContain('finished hibernating gamma')
    expect(fs.existsSync(doomed)).toBe(false)
    expect(fs.existsSync(path.join(ws, 'commands/gamma'))).toBe(false)
    await call('module.wake', { name: 'gamma' })
    expect(fs.readFileSync(path.join(ws, 'commands/gamma/a.txt'), 'utf8')).toBe('a')
  })

  it('does not trust the metadata to name the folder a module wakes into', async () => {
    const { ws, call } = await setup()
    writeModule(ws, { name: 'beta' })
    const h = (await call('module.hibernate', { name: 'beta' })).hibernated[0]
    const meta = JSON.parse(fs.readFileSync(h.metadataPath, 'utf8'))
    meta.originalPath = '../../escaped-by-metadata/beta'
    fs.writeFileSync(h.metadataPath, JSON.stringify(meta))
    const out = await call('module.wake', { name: 'beta' })
    expect(out.woken[0].path).toBe('commands/beta')
    expect(fs.existsSync(path.join(ws, 'commands/beta/package.json'))).toBe(true)
    expect(fs.existsSync(path.join(ws, '..', '..', 'escaped-by-metadata'))).toBe(false)
  })

  it('keeps exact times, long and unicode link targets, and very compressible files', async () => {
    const { ws, call } = await setup()
    const dir = writeModule(ws, { name: 'fidelity', files: { 'zeros.bin': Buffer.alloc(24 * 1024 * 1024), [`deep/${'x'.repeat(120)}.txt`]: 'long\n', 'café.txt': 'c\n' } })
    fs.symlinkSync(`deep/${'x'.repeat(120)}.txt`, path.join(dir, 'long-link'))
    fs.symlinkSync('café.txt', path.join(dir, 'unicode-link'))
    const t = new Date('2021-03-04T05:06:07.123Z')
    fs.utimesSync(path.join(dir, 'café.txt'), t, t)
    const before = fingerprint(dir)
    await call('module.hibernate', { name: 'fidelity' })
    await call('module.wake', { name: 'fidelity' })
    expect(fingerprint(dir)).toEqual(before)
    expect(fs.statSync(path.join(dir, 'café.txt')).mtime.toISOString()).toBe('2021-03-04T05:06:07.123Z')
  })

  it('refuses a file name with a line break, clearly and before changing anything', async () => {
    const { ws, call } = await setup()
    const dir = writeModule(ws, { name: 'odd', files: { 'two\nlines.txt': 'x' } })
    const err = await expectError(call('module.hibernate', { name: 'odd' }))
    expect(err.code).toBe('INVALID_INPUT')
    expect(err.message).toContain('line break')
    expect(fs.existsSync(path.join(dir, 'package.json'))).toBe(true)
  })

  it('rejects bad names with a clear message', async () => {
    const { call } = await setup()
    for (const name of ['', '../etc', 'a/b/c', '@scope/../x']) {
      const err = await expectError(call('module.hibernate', { name }))
      expect(err.code).toBe('INVALID_INPUT')
      expect(err.message).toMatch(/name/)
    }
    expect((await expectError(call('module.hibernate', { name: 'ghost' }))).message).toContain('No active module named ghost')
  })
})
