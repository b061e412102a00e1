import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openHost, tempDir, writeModule } from '../../../../test/fixtures'
import { WardenDatabase } from './Database'

const hosts: Array<{ dispose(): void }> = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

describe('storage', () => {
  it('opens SQLite in WAL mode with migrations applied once, and refuses a database from a newer Warden', () => {
    const file = path.join(tempDir(), 'warden.db')
    const db = new WardenDatabase(file)
    expect(db.db.pragma('journal_mode', { simple: true })).toBe('wal')
    const version = db.schemaVersion
    expect(version).toBeGreaterThan(0)
    db.setSetting('lastWorkspace', '/x')
    db.dispose()
    const again = new WardenDatabase(file)
    expect(again.schemaVersion).toBe(version)
    expect(again.getSetting('lastWorkspace')).toBe('/x')
    again.db.pragma(`user_version = ${version + 5}`)
    again.dispose()
    expect(() => new WardenDatabase(file)).toThrow(/newer Warden/)
  })

  it('several processes creating the database at once never trip over each other (first run of app + CLI)', async () => {
    const { spawn } = await import('node:child_process')
    for (let round = 0; round < 3; round++) {
      const file = path.join(tempDir(), 'warden.db')
      // Every process loads first, then all open the new database at the same instant.
      const at = Date.now() + 4000
      const code = `
        const { WardenDatabase } = await import(${JSON.stringify(path.resolve(__dirname, 'Database.ts'))});
        await new Promise((r) => setTimeout(r, Math.max(0, ${at} - Date.now() - 30)));
        while (Date.now() < ${at}) {}
        const db = new WardenDatabase(${JSON.stringify(file)}); db.dispose();`
      const runs = Array.from({ length: 4 }, () =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] })
          let err = ''
          child.stderr.on('data', (d) => (err += d))
          child.on('exit', (c) => resolve(c === 0 ? 0 : (console.error(err), c ?? 1)))
        }),
      )
      expect(await Promise.all(runs)).toEqual([0, 0, 0, 0])
    }
  }, 60_000)

  it('loads a given better-sqlite3 addon (the Electron build in development), and says so when it cannot', () => {
    const addon = path.resolve(__dirname, '../../../../node_modules/better-sqlite3/build/Release/better_sqlite3.node')
    const db = new WardenDatabase(path.join(tempDir(), 'warden.db'), addon)
    expect(db.schemaVersion).toBeGreaterThan(0)
    db.dispose()
    expect(() => new WardenDatabase(path.join(tempDir(), 'warden.db'), path.join(tempDir(), 'missing.node'))).toThrow(/missing\.node/)
  })

  it('`warden doctor` rebuilds the index from the archives on disk after the database is lost', async () => {
    const ws = tempDir('warden-ws-')
    for (const n of ['a', 'b', 'c']) writeModule(ws, { name: n })
    const first = await openHost(ws)
    await first.call('module.hibernate', { name: 'a' })
    await first.call('module.hibernate', { name: 'b' })
    first.host.dispose()
    for (const f of fs.readdirSync(first.home)) if (f.startsWith('warden.db')) fs.rmSync(path.join(first.home, f))

    const second = await openHost(ws, first.home)
    hosts.push(second.host)
    const report = await second.call('doctor.run', {})
    expect(report.indexed).toBe(2)
    expect(report.problems).toEqual([])
    const rows = second.host.database.db.prepare('SELECT module FROM hibernations ORDER BY module').all() as Array<{ module: string }>
    expect(rows.map((r) => r.module)).toEqual(['a', 'b'])
    // A version removed behind Warden's back: verify says the index is out of date, doctor fixes it.
    const hb = path.join(ws, '.warden/hibernation')
    for (const f of fs.readdirSync(hb)) if (f.startsWith('b.')) fs.rmSync(path.join(hb, f))
    const verify = await second.call('module.verify', {})
    expect(verify.problems.map((p) => p.message)).toContainEqual(expect.stringContaining('the index lists this archive but it is gone'))
    expect((await second.call('doctor.run', {})).indexed).toBe(1)
    expect((await second.call('module.verify', {})).problems).toEqual([])
    // The files were the truth all along: the remaining one still wakes.
    await second.call('module.wake', { name: 'a' })
    expect(fs.existsSync(path.join(ws, 'commands/a/package.json'))).toBe(true)
  })
})
