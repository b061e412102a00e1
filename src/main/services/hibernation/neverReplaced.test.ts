import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { expectError, openHost, tempDir, writeModule } from '../../../../test/fixtures'

const hosts: Array<{ dispose(): void }> = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

async function setup(options: { now?: () => number } = {}) {
  const ws = tempDir('warden-ws-')
  const opened = await openHost(ws, undefined, options)
  hosts.push(opened.host)
  return { ws, ...opened }
}

describe('an archive is never replaced', () => {
  it('`module pack` of a module whose version climbs out of the folder is refused; the hibernation archive it aimed at is intact', async () => {
    const { ws, call } = await setup()
    writeModule(ws, { name: 'hello' })
    const { hibernated } = await call('module.hibernate', { name: 'hello', reason: 'test' })
    const archive = hibernated[0].archivePath
    const before = sha(archive)
    // What a module woken from a shared .tgz carried before wake checked versions: `evil-<version>.tgz`
    // joined to the out folder lands on hello's only archive.
    const outDir = tempDir('warden-packs-')
    const version = `${'/..'.repeat(40)}${archive.slice(0, -'.tgz'.length)}`
    expect(path.join(outDir, `evil-${version}.tgz`)).toBe(archive)
    writeModule(ws, { name: 'evil', version })

    const err = await expectError(call('module.pack', { name: 'evil', outDir }))
    expect(err.code).toBe('INVALID_INPUT')
    expect(err.message).toMatch(/evil cannot be packed: the version in its package\.json .* is invalid/)
    expect(sha(archive)).toBe(before)
    expect(fs.readdirSync(outDir)).toEqual([])
    // And the archive still wakes.
    await call('module.wake', { name: 'hello' })
    expect(fs.existsSync(path.join(ws, 'commands/hello/index.js'))).toBe(true)
  })

  it('`module pack` does not clobber a different file of the same name, and packing the same sources again is fine', async () => {
    const { ws, call } = await setup()
    const dir = writeModule(ws, { name: 'tool', version: '2.0.0' })
    const outDir = tempDir('warden-packs-')
    const first = await call('module.pack', { name: 'tool', outDir })
    expect(path.basename(first.path)).toBe('tool-2.0.0.tgz')
    const again = await call('module.pack', { name: 'tool', outDir })
    expect(again.sha256).toBe(first.sha256)

    fs.writeFileSync(path.join(dir, 'index.js'), 'module.exports = "changed"\n')
    const err = await expectError(call('module.pack', { name: 'tool', outDir }))
    expect(err.code).toBe('CONFLICT')
    expect(err.message).toMatch(/tool-2\.0\.0\.tgz already exists with other content/)
    expect(sha(first.path)).toBe(first.sha256)
    expect(fs.readdirSync(outDir)).toEqual(['tool-2.0.0.tgz'])
  })

  it('hibernating in the same millisecond as an archive left without metadata keeps that archive and takes the next millisecond', async () => {
    const now = 1_700_000_000_000
    const { ws, call } = await setup({ now: () => now })
    writeModule(ws, { name: 'hello' })
    const hibernationDir = path.join(ws, '.warden/hibernation')
    fs.mkdirSync(hibernationDir, { recursive: true })
    const orphan = path.join(hibernationDir, `hello.${now}.tgz`)
    fs.writeFileSync(orphan, 'the only copy of something')

    const { hibernated } = await call('module.hibernate', { name: 'hello', reason: 'test' })
    expect(path.basename(hibernated[0].archivePath)).toBe(`hello.${now + 1}.tgz`)
    expect(fs.readFileSync(orphan, 'utf8')).toBe('the only copy of something')
  })

  it('refuses a module name too long to be a file name, before anything is written', async () => {
    const { ws, call } = await setup()
    // 200 characters that each take 3 bytes once %-escaped: over the 255-byte limit of a file name.
    const name = ':'.repeat(200)
    writeModule(ws, { name: 'long', pkg: { name } })
    const err = await expectError(call('module.hibernate', { name, reason: 'test' }))
    expect(err.code).toBe('INVALID_INPUT')
    expect(err.message).toMatch(/module name .* cannot be used as a file name: it is longer than 255 bytes/)
    expect(fs.existsSync(path.join(ws, 'commands/long/index.js'))).toBe(true)
  })
})
