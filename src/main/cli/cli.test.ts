import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as net from 'node:net'
import { describe, expect, it } from 'vitest'
import { requireBuiltCli, runCli, runCliInProcess, startCli, succeeded } from '../../../test/cli'
import { waitFor } from '../../../test/inference'
import { tempDir, writeModule } from '../../../test/fixtures'

/** The CLI in this process, with a fresh home unless one is given. */
const cli = (args: string[], home?: string) => runCliInProcess(args, { home })

describe('warden CLI', () => {
  it('creates the demo workspace and lists its modules by kind, as text and as JSON', async () => {
    const dir = path.join(tempDir(), 'demo')
    const created = await cli(['demo', 'create', dir])
    expect(created.code).toBe(0)
    expect(created.stdout).toContain('Demo workspace with 20 modules')
    const text = await cli(['--workspace', dir, 'module', 'list'])
    expect(text.stdout).toMatch(/^commands \(9\)/m)
    expect(text.stdout).toMatch(/data-daemon@1\.0\.0 .*\(used by .*chat-send/)
    const json = await cli(['--workspace', dir, 'module', 'list', '--json'])
    const parsed = JSON.parse(json.stdout)
    expect(parsed.kinds.map((k: { kind: string; modules: unknown[] }) => [k.kind, k.modules.length])).toEqual([
      ['commands', 9],
      ['daemons', 6],
      ['widgets', 5],
    ])
    // Every demo module is a real package whose own tests pass.
    const hello = path.join(dir, 'commands/hello')
    expect(spawnSync(process.execPath, ['--test', 'test/'], { cwd: hello }).status).toBe(0)
    expect((await cli(['demo', 'create', dir])).stderr).toContain('not empty')
  })

  it('prints the seed’s reports for hibernate, list-hibernated and wake', async () => {
    const ws = tempDir('warden-ws-')
    writeModule(ws, { name: 'old-feature' })
    const h = await cli(['--workspace', ws, 'module', 'hibernate', '--name', 'old-feature', '--reason', 'deprecated'])
    expect(h.code).toBe(0)
    expect(h.stdout).toMatch(/💤 Hibernated to: .*old-feature\.\d+\.tgz/)
    expect(h.stdout).toContain('🔄 Structure files regenerated (0 commands, 0 daemons, 0 widgets active)')
    expect(h.stdout).toContain('♻️  Restorable with: warden module wake --name old-feature')
    expect(h.stderr).toContain('Packaging commands/old-feature')
    const l = await cli(['--workspace', ws, 'module', 'list-hibernated'])
    expect(l.stdout).toContain('💤 Hibernated Modules (1):')
    expect(l.stdout).toContain('Reason: deprecated')
    expect(l.stdout).toContain('Restorable: ✅')
    expect(l.stdout).toContain('Will be archived in 30 days')
    const w = await cli(['--workspace', ws, 'module', 'wake', '--name', 'old-feature'])
    expect(w.stdout).toContain('✅ Restored to: commands/old-feature')
  })

  it('list-hibernated says when each module will be archived, from the archiveAfterDays setting (0: never)', async () => {
    const ws = tempDir('warden-ws-')
    const home = tempDir('warden-home-')
    writeModule(ws, { name: 'old-feature' })
    expect((await cli(['--workspace', ws, 'module', 'hibernate', '--name', 'old-feature'], home)).code).toBe(0)
    expect((await cli(['config', 'set', 'archiveAfterDays', '45'], home)).code).toBe(0)
    expect((await cli(['--workspace', ws, 'module', 'list-hibernated'], home)).stdout).toContain('⚠️  Will be archived in 45 days')
    expect((await cli(['config', 'set', 'archiveAfterDays', '0'], home)).code).toBe(0)
    const never = await cli(['--workspace', ws, 'module', 'list-hibernated'], home)
    expect(never.stdout).toContain('Archived automatically: never (archiveAfterDays is 0)')
    expect(never.stdout).not.toContain('Will be archived')
    const bad = await cli(['config', 'set', 'archiveAfterDays', '-1'], home)
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('archiveAfterDays')
  })

  it('rejects bad input with a clear message and exit code 2', async () => {
    const ws = tempDir('warden-ws-')
    const noName = await cli(['--workspace', ws, 'module', 'hibernate'])
    expect(noName.code).toBe(2)
    expect(noName.stderr).toContain('name')
    const badDays = await cli(['--workspace', ws, 'module', 'archive', '--older-than', 'soon'])
    expect(badDays.code).toBe(2)
    expect(badDays.stderr).toContain('--older-than expects a number, got "soon"')
    const both = await cli(['--workspace', ws, 'module', 'wake', '--from', 'x.tgz', '--from-archive'])
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('cannot be used together')
    const noWs = await cli(['--workspace', path.join(ws, 'nope'), 'module', 'list'])
    expect(noWs.code).toBe(1)
    expect(noWs.stderr).toMatch(/does not exist/)
    const json = await cli(['--workspace', ws, 'module', 'wake', '--name', 'ghost', '--json'])
    expect(JSON.parse(json.stdout).error.code).toBe('NOT_FOUND')
  })

  it('`module verify` exits non-zero when an archive is damaged', async () => {
    const ws = tempDir('warden-ws-')
    const home = tempDir('warden-home-')
    writeModule(ws, { name: 'hello' })
    await cli(['--workspace', ws, 'module', 'hibernate', '--name', 'hello'], home)
    expect((await cli(['--workspace', ws, 'module', 'verify'], home)).code).toBe(0)
    const dir = path.join(ws, '.warden/hibernation')
    const archive = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))!)
    fs.appendFileSync(archive, 'garbage')
    const v = await cli(['--workspace', ws, 'module', 'verify'], home)
    expect(v.code).toBe(1)
    expect(v.stdout).toMatch(/❌ hello@\d+: checksum mismatch/)
  })

  it('runs as the `warden` bin of the built package', async () => {
    const help = succeeded(await runCli(['module', '--help'])).stdout
    for (const cmd of ['list', 'hibernate', 'list-hibernated', 'wake', 'archive', 'diff', 'verify', 'pack', 'versions']) expect(help).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'))
  })
})

describe('warden serve', () => {
  it('says which port is taken instead of printing a stack trace', async () => {
    requireBuiltCli()
    const taken = net.createServer()
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r))
    const port = (taken.address() as net.AddressInfo).port
    try {
      const r = await runCli(['serve', '--port', String(port)])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`Port ${port} is in use on 127.0.0.1`)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    } finally {
      taken.close()
    }
  })
})

describe('one Warden per home', () => {
  it('a second `warden serve` on the same home refuses, naming the one that runs; the first keeps its discovery file; --local beside it says what it cannot see', async () => {
    requireBuiltCli()
    const home = tempDir('warden-one-home-')
    const first = startCli(['serve', '--port', '0'], { home })
    try {
      await waitFor(() => first.output().includes('Warden is serving'), 'the first server')
      const before = fs.readFileSync(path.join(home, 'server.json'), 'utf8')
      const second = await runCli(['serve', '--port', '0'], { home })
      expect(second.code).toBe(1)
      expect(second.stderr).toMatch(/A Warden is already serving this home .* \(pid \d+\)/)
      expect(fs.readFileSync(path.join(home, 'server.json'), 'utf8')).toBe(before)
      // --local beside it is allowed, with a word about what that process cannot see.
      const local = await runCli(['--local', 'workers', '--json'], { home })
      expect(local.code).toBe(0)
      expect(local.stderr).toMatch(/A Warden is running for this home .*--local runs this command beside it/)
    } finally {
      first.child.kill('SIGTERM')
      await first.done
    }
  }, 60_000)
})
