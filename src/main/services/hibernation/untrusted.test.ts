import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { execFileSync } from 'node:child_process'
import * as zlib from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { expectError, fingerprint, openHost, tempDir, writeModule } from '../../../../test/fixtures'
import { inspectArchive } from './archive'
import { extractInto } from './extract'

/** A raw ustar header + data, so we can write entries no well-behaved tool would. */
function tarEntry(name: string, options: { type?: string; data?: Buffer; link?: string; size?: number } = {}): Buffer {
  const data = options.data ?? Buffer.alloc(0)
  const h = Buffer.alloc(512)
  h.write(name, 0, 100, 'utf8')
  h.write('0000644\0', 100)
  h.write('0000000\0', 108)
  h.write('0000000\0', 116)
  h.write((options.size ?? data.length).toString(8).padStart(11, '0') + '\0', 124)
  h.write('00000000000\0', 136)
  h.write('        ', 148)
  h.write(options.type ?? '0', 156)
  if (options.link) h.write(options.link, 157, 100, 'utf8')
  h.write('ustar\0', 257)
  h.write('00', 263)
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512)
  data.copy(padded)
  return Buffer.concat([h, padded])
}

function tgz(dir: string, file: string, entries: Buffer[]): string {
  const p = path.join(dir, file)
  fs.writeFileSync(p, zlib.gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)])))
  return p
}

const pkg = tarEntry('package/package.json', { data: Buffer.from('{"name":"evil","version":"1.0.0"}') })

const hosts: Array<{ dispose(): void }> = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

describe('archives from elsewhere are untrusted', () => {
  const cases: Array<[string, Buffer[], RegExp]> = [
    ['a path that climbs out with ..', [pkg, tarEntry('package/../../escaped.txt', { data: Buffer.from('x') })], /climbs out/],
    ['an absolute path', [pkg, tarEntry('/tmp/warden-absolute.txt', { data: Buffer.from('x') })], /absolute path/],
    ['a link pointing outside', [pkg, tarEntry('package/link', { type: '2', link: '../../../etc/passwd' })], /a link pointing outside the package/],
    ['an absolute link', [pkg, tarEntry('package/link', { type: '2', link: '/etc/passwd' })], /an absolute link/],
    ['a hard link', [pkg, tarEntry('package/hard', { type: '1', link: 'package/package.json' })], /hard link/],
    ['a chain of links that leads out (q -> ., p -> q/..)', [pkg, tarEntry('package/q', { type: '2', link: '.' }), tarEntry('package/p', { type: '2', link: 'q/..' })], /pointing outside/],
    ['the same chain in the other order', [pkg, tarEntry('package/p', { type: '2', link: 'q/..' }), tarEntry('package/q', { type: '2', link: '.' })], /pointing outside/],
    ['a file written through a link that differs only in case (macOS, Windows)', [pkg, tarEntry('package/a/', { type: '5' }), tarEntry('package/a/B', { type: '2', link: '..' }), tarEntry('package/a/b/x.txt', { data: Buffer.from('x') })], /through the link a\/b/],
    ['a file written through a link', [pkg, tarEntry('package/sub', { type: '2', link: '.' }), tarEntry('package/sub/x.txt', { data: Buffer.from('x') })], /through the link sub/],
    ['a character device', [pkg, tarEntry('package/dev', { type: '3' })], /device/],
    ['a FIFO', [pkg, tarEntry('package/fifo', { type: '6' })], /FIFO/],
    ['two top folders', [pkg, tarEntry('other/x.txt', { data: Buffer.from('x') })], /more than one top folder/],
  ]

  for (const [what, entries, message] of cases) {
    it(`refuses ${what} and writes nothing`, async () => {
      const ws = tempDir('warden-ws-')
      writeModule(ws, { name: 'bystander' })
      const before = fingerprint(ws)
      const { host, call } = await openHost(ws)
      hosts.push(host)
      const file = tgz(tempDir(), 'evil.tgz', entries)
      const err = await expectError(call('module.wake', { from: file }))
      expect(err.code).toBe('UNSAFE_ARCHIVE')
      expect(err.message).toMatch(message)
      expect(err.hint).toContain('Nothing was written')
      // Only Warden's own bookkeeping folder may have appeared; no module, no escaped file.
      const after = fingerprint(ws)
      for (const k of Object.keys(after)) if (!k.startsWith('.warden')) expect(before[k]).toBe(after[k])
      expect(fs.existsSync(path.join(ws, 'commands/evil'))).toBe(false)
      expect(fs.existsSync('/tmp/warden-absolute.txt')).toBe(false)
      expect(fs.existsSync(path.join(ws, '..', 'escaped.txt'))).toBe(false)
    })
  }

  it('refuses a gzip bomb before writing', async () => {
    const dir = tempDir()
    const file = tgz(dir, 'bomb.tgz', [pkg, tarEntry('package/zeros.bin', { data: Buffer.alloc(32 * 1024 * 1024) })])
    expect(fs.statSync(file).size).toBeLessThan(64 * 1024)
    const err = await expectError(inspectArchive(file))
    expect(err.code).toBe('UNSAFE_ARCHIVE')
    expect(err.message).toMatch(/gzip bomb/)
  })

  it('stops a gzip bomb during extraction too (into a temp folder the caller removes)', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'bomb.tgz')
    fs.writeFileSync(file, zlib.gzipSync(Buffer.concat([pkg, tarEntry('package/zeros.bin', { data: Buffer.alloc(64 * 1024 * 1024) }), Buffer.alloc(1024)]), { level: 9 }))
    const into = path.join(dir, 'out')
    const err = await expectError(extractInto(file, into))
    expect(err.code).toBe('UNSAFE_ARCHIVE')
    expect(err.message).toMatch(/gzip bomb/)
    // Inflation stops at 1000 times the compressed size, like node-tar's own guard.
    const written = fs.existsSync(path.join(into, 'zeros.bin')) ? fs.statSync(path.join(into, 'zeros.bin')).size : 0
    expect(written).toBeLessThanOrEqual(1000 * fs.statSync(file).size)
  })

  it('refuses an archive that unpacks above the size limit', async () => {
    const dir = tempDir()
    const file = tgz(dir, 'big.tgz', [pkg, tarEntry('package/random.bin', { data: randomBytes(2 * 1024 * 1024) })])
    const err = await expectError(inspectArchive(file, { maxUnpackedBytes: 1024 * 1024, maxEntries: 1000, maxCompressionRatio: 200 }))
    expect(err.code).toBe('UNSAFE_ARCHIVE')
    expect(err.message).toMatch(/unpacks to more than 1048576 bytes/)
  })

  it('refuses a truncated file and a file that is not a tarball', async () => {
    const dir = tempDir()
    const good = tgz(dir, 'good.tgz', [pkg, tarEntry('package/index.js', { data: Buffer.alloc(20000, 65) })])
    const truncated = path.join(dir, 'truncated.tgz')
    fs.writeFileSync(truncated, fs.readFileSync(good).subarray(0, 100))
    const text = path.join(dir, 'text.tgz')
    fs.writeFileSync(text, 'hello, not a tarball')
    for (const f of [truncated, text]) {
      const err = await expectError(inspectArchive(f))
      expect(err.code).toBe('UNSAFE_ARCHIVE')
      expect(err.hint).toContain('Nothing was written')
    }
  })

  it('wakes a real npm pack tarball shared by a colleague, under its package name', async () => {
    const src = tempDir()
    writeModule(src, { name: 'shared-tool', files: { 'lib/a.js': 'a\n' } })
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', src], { cwd: path.join(src, 'commands/shared-tool'), encoding: 'utf8' }).trim()
    const ws = tempDir('warden-ws-')
    const { host, call } = await openHost(ws)
    hosts.push(host)
    const out = await call('module.wake', { from: path.join(src, packed.split('\n').pop()!), kind: 'widgets' })
    expect(out.woken[0]).toMatchObject({ name: 'shared-tool', path: 'widgets/shared-tool' })
    expect(fs.readFileSync(path.join(ws, 'widgets/shared-tool/lib/a.js'), 'utf8')).toBe('a\n')
  })
})
