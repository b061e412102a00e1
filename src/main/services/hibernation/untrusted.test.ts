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

/** Only Warden's own bookkeeping folder may have changed: no module, no escaped file, nothing else. */
function expectUnchangedBesideWarden(ws: string, before: Record<string, string>): void {
  const outside = (fp: Record<string, string>) => Object.fromEntries(Object.entries(fp).filter(([k]) => !k.startsWith('.warden')))
  expect(outside(fingerprint(ws))).toEqual(outside(before))
}

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
    ['the same file twice', [pkg, tarEntry('package/index.js', { data: Buffer.from('a') }), tarEntry('package/index.js', { data: Buffer.from('b') })], /"package\/index\.js" appears twice in the archive \(as a file, then as a file\)/],
    ['package.json twice (the checked one would not be the one written)', [pkg, tarEntry('package/package.json', { data: Buffer.from('{"name":"other"}') })], /"package\/package\.json" appears twice/],
    ['a file, then a folder of the same name', [pkg, tarEntry('package/a', { data: Buffer.from('a') }), tarEntry('package/a/', { type: '5' })], /"package\/a" appears twice in the archive \(as a file, then as a folder\)/],
    ['a file written inside a file', [pkg, tarEntry('package/a', { data: Buffer.from('a') }), tarEntry('package/a/b', { data: Buffer.from('b') })], /inside the file package\/a/],
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
      expectUnchangedBesideWarden(ws, before)
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

  it('stops a gzip bomb during extraction too (into a temp folder the caller removes), counting bytes as they flow', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'bomb.tgz')
    writeZeroBomb(file, 1024 ** 3)
    const into = path.join(dir, 'out')
    const err = await expectError(extractInto(file, into))
    expect(err.code).toBe('UNSAFE_ARCHIVE')
    expect(err.message).toMatch(/gzip bomb/)
    // Inflation stops at 200 times the compressed size (past the first 16 MB).
    const written = fs.existsSync(path.join(into, 'zeros.bin')) ? fs.statSync(path.join(into, 'zeros.bin')).size : 0
    expect(written).toBeLessThanOrEqual(16 * 1024 * 1024 + 200 * fs.statSync(file).size)
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

  it('names the duplicated path when extracting too (not "The operation was aborted")', async () => {
    const dir = tempDir()
    const file = tgz(dir, 'dup.tgz', [pkg, tarEntry('package/lib/a.js', { data: Buffer.from('1') }), tarEntry('package/lib/a.js', { data: Buffer.from('2') })])
    const err = await expectError(extractInto(file, path.join(dir, 'out')))
    expect(err.code).toBe('UNSAFE_ARCHIVE')
    expect(err.message).toMatch(/"package\/lib\/a\.js" appears twice/)
  })
})

/**
 * A gzip bomb made the way an attacker would, without ever holding it in memory: a tar whose one
 * file is `zeroBytes` of zeros, deflated once per MiB and repeated (each MiB block is flushed so it
 * stands alone), with a correct gzip trailer. 2 GiB of zeros take about 2 MB.
 */
function writeZeroBomb(file: string, zeroBytes: number): void {
  const MiB = 1024 * 1024
  const zeros = Buffer.alloc(MiB)
  const head = Buffer.concat([pkg, tarEntry('package/zeros.bin', { size: zeroBytes })])
  const tail = Buffer.alloc(1024)
  const flushed = (data: Buffer, last: boolean) => zlib.deflateRawSync(data, { level: 9, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_FULL_FLUSH })
  const block = flushed(zeros, false)
  const fd = fs.openSync(file, 'w')
  try {
    fs.writeSync(fd, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]))
    fs.writeSync(fd, flushed(head, false))
    let crc = zlib.crc32(head)
    for (let left = zeroBytes; left > 0; left -= MiB) {
      fs.writeSync(fd, block)
      crc = zlib.crc32(zeros, crc)
    }
    fs.writeSync(fd, flushed(tail, true))
    crc = zlib.crc32(tail, crc)
    const trailer = Buffer.alloc(8)
    trailer.writeUInt32LE(crc >>> 0, 0)
    trailer.writeUInt32LE((head.length + zeroBytes + tail.length) % 2 ** 32, 4)
    fs.writeSync(fd, trailer)
  } finally {
    fs.closeSync(fd)
  }
}

describe('a gzip bomb is refused while it inflates, in bounded memory', () => {
  it('refuses 2 GiB of zeros in a 2 MB .tgz with UNSAFE_ARCHIVE, writes nothing, and the process grows by under 200 MB', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'bomb.tgz')
    writeZeroBomb(file, 2 * 1024 ** 3)
    expect(fs.statSync(file).size).toBeLessThan(4 * 1024 * 1024)
    const ws = tempDir('warden-ws-')
    writeModule(ws, { name: 'bystander' })
    const before = fingerprint(ws)
    const { host, call } = await openHost(ws)
    hosts.push(host)

    const rssBefore = process.memoryUsage.rss()
    let peak = rssBefore
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5)
    try {
      const err = await expectError(call('module.wake', { from: file }))
      expect(err.code).toBe('UNSAFE_ARCHIVE')
      expect(err.message).toMatch(/bomb\.tgz.*inflates to over 200 times its compressed size/)
      expect(err.hint).toContain('Nothing was written')
    } finally {
      clearInterval(sample)
    }
    peak = Math.max(peak, process.memoryUsage.rss())
    const grewMb = (peak - rssBefore) / 1024 / 1024
    console.log(`gzip bomb (2 GiB of zeros in ${(fs.statSync(file).size / 1024 / 1024).toFixed(1)} MB): process grew by ${grewMb.toFixed(0)} MB at most`)
    expect(grewMb).toBeLessThan(200)
    expectUnchangedBesideWarden(ws, before)
    expect(fs.existsSync(path.join(ws, 'commands/evil'))).toBe(false)
    expect(fs.readdirSync(path.join(ws, 'commands'))).toEqual(['bystander'])
  })

  it('counts every inflated byte, not only the sizes entries declare (padding in PAX headers)', async () => {
    const dir = tempDir()
    // Twenty 512 KB extended headers before one empty file: no file is big, the tar stream is.
    const body = randomBytes(256 * 1024).toString('hex')
    const record = `${String(body.length + 11).length + body.length + 10} comment=${body}\n`
    expect(Buffer.byteLength(record)).toBe(Number(record.split(' ')[0]))
    const padding = Array.from({ length: 20 }, () => tarEntry('package/PaxHeader', { type: 'x', data: Buffer.from(record) }))
    const file = tgz(dir, 'padded.tgz', [pkg, ...padding, tarEntry('package/empty.txt')])
    const err = await expectError(inspectArchive(file, { maxUnpackedBytes: 1024 * 1024, maxEntries: 10, maxCompressionRatio: 200 }))
    expect(err.code).toBe('UNSAFE_ARCHIVE')
    expect(err.message).toMatch(/inflates to more than 1069056 bytes/)
  })
})

describe('only regular files are read', () => {
  it('refuses a FIFO, a folder and a device given as --from at once, and releases the workspace lock', async () => {
    const ws = tempDir('warden-ws-')
    const { host, call } = await openHost(ws)
    hosts.push(host)
    const dir = tempDir()
    const fifo = path.join(dir, 'pipe.tgz')
    execFileSync('mkfifo', [fifo])
    for (const [from, what] of [
      [fifo, /pipe\.tgz is a named pipe \(FIFO\), not a \.tgz file/],
      [dir, /is a folder, not a \.tgz file/],
      ['/dev/zero', /\/dev\/zero is a device, not a \.tgz file/],
    ] as const) {
      const started = Date.now()
      const err = await expectError(call('module.wake', { from }))
      expect(err.code).toBe('INVALID_INPUT')
      expect(err.message).toMatch(what)
      expect(Date.now() - started).toBeLessThan(10_000)
    }
    // The lock was released: a real package wakes right after.
    const good = tgz(dir, 'good.tgz', [tarEntry('package/package.json', { data: Buffer.from('{"name":"good","version":"1.0.0"}') })])
    const out = await call('module.wake', { from: good })
    expect(out.woken[0].name).toBe('good')
  }, 30_000)

  it('says a missing file does not exist', async () => {
    const ws = tempDir('warden-ws-')
    const { host, call } = await openHost(ws)
    hosts.push(host)
    const err = await expectError(call('module.wake', { from: path.join(ws, 'nope.tgz') }))
    expect(err.code).toBe('NOT_FOUND')
    expect(err.message).toMatch(/nope\.tgz does not exist/)
  })
})

describe('package names and versions npm would refuse are refused before anything is written', () => {
  const named = (name: string, version = '1.0.0') => [tarEntry('package/package.json', { data: Buffer.from(JSON.stringify({ name, version })) }), tarEntry('package/index.js', { data: Buffer.from('x') })]
  const bad: Array<[string, RegExp]> = [
    ['a\nb', /control character/],
    ['node_modules', /a name npm reserves/],
    ['favicon.ico', /a name npm reserves/],
    ['@./x', /its scope starts with a period/],
    ['@../x', /its scope starts with a period/],
    ['@scope/.hidden', /the part after the scope starts with a period/],
    ['has space', /characters npm does not allow/],
    [' padded', /leading or trailing spaces/],
    ['.hidden', /starts with a period/],
    ['_private', /starts with an underscore/],
    ['-dash', /starts with a hyphen/],
    ['con', /device name Windows reserves/],
    ['AUX.js', /device name Windows reserves/],
    ['@nul/x', /device name Windows reserves/],
    ['naïve', /characters npm does not allow/],
    ['a:b', /characters npm does not allow/],
    ['wow!', /no longer allows/],
    ['x'.repeat(215), /longer than 214 characters/],
  ]
  for (const [name, problem] of bad) {
    it(`refuses the name ${JSON.stringify(name.length > 40 ? `${name.slice(0, 20)}…` : name)}`, async () => {
      const ws = tempDir('warden-ws-')
      writeModule(ws, { name: 'bystander' })
      const before = fingerprint(ws)
      const { host, call } = await openHost(ws)
      hosts.push(host)
      const err = await expectError(call('module.wake', { from: tgz(tempDir(), 'shared.tgz', named(name)) }))
      expect(err.code).toBe('INVALID_INPUT')
      expect(err.message).toMatch(/is not a valid npm package name/)
      expect(err.message).toMatch(problem)
      expect(err.hint).toContain('Nothing was written')
      expectUnchangedBesideWarden(ws, before)
    })
  }

  it('still wakes names npm only warns about (capital letters, core module names) and scoped names', async () => {
    const ws = tempDir('warden-ws-')
    const { host, call } = await openHost(ws)
    hosts.push(host)
    for (const name of ['JSONStream', 'events', '@my-org/tool.js', 'a_b-c.d']) {
      const out = await call('module.wake', { from: tgz(tempDir(), 'shared.tgz', named(name)) })
      expect(out.woken[0].name).toBe(name)
      expect(fs.existsSync(path.join(ws, 'commands', ...name.split('/'), 'index.js'))).toBe(true)
    }
  })

  for (const version of ['/../../../ws/.warden/hibernation/hello.1700000000000', '1.0.0/../../x', '1.0', 'latest', '1.0.0\n']) {
    it(`refuses the version ${JSON.stringify(version)} (it would name a file at \`module pack\`)`, async () => {
      const ws = tempDir('warden-ws-')
      const { host, call } = await openHost(ws)
      hosts.push(host)
      const err = await expectError(call('module.wake', { from: tgz(tempDir(), 'shared.tgz', named('fine', version)) }))
      expect(err.code).toBe('INVALID_INPUT')
      expect(err.message).toMatch(/the version in its package\.json .* is invalid: it is not a semantic version/)
      expect(fs.existsSync(path.join(ws, 'commands/fine'))).toBe(false)
    })
  }
})

describe('metadata is not trusted to name paths (no checksum covers it)', () => {
  it('a keptAside entry that climbs out is ignored on wake: nothing outside the module is moved', async () => {
    const ws = tempDir('warden-ws-')
    writeModule(ws, { name: 'hello', files: { '.git/HEAD': 'ref: refs/heads/main\n' } })
    const { host, call } = await openHost(ws)
    hosts.push(host)
    const { hibernated } = await call('module.hibernate', { name: 'hello', reason: 'test' })
    const meta = JSON.parse(fs.readFileSync(hibernated[0].metadataPath, 'utf8'))
    expect(meta.keptAside).toEqual(['.git'])
    meta.keptAside = ['.git', '../../secret.txt']
    fs.writeFileSync(hibernated[0].metadataPath, JSON.stringify(meta))
    // kept/<version>/../../secret.txt is .warden/secret.txt; commands/hello/../../secret.txt is the workspace root.
    fs.writeFileSync(path.join(ws, '.warden/secret.txt'), 'stays')

    await call('module.wake', { name: 'hello' })
    expect(fs.readFileSync(path.join(ws, 'commands/hello/.git/HEAD'), 'utf8')).toBe('ref: refs/heads/main\n')
    expect(fs.readFileSync(path.join(ws, '.warden/secret.txt'), 'utf8')).toBe('stays')
    expect(fs.existsSync(path.join(ws, 'secret.txt'))).toBe(false)
  })
})

describe('a FIFO put in place of an archive is reported, not read forever', () => {
  it('module verify and list-hibernated answer, naming the pipe', async () => {
    const ws = tempDir('warden-ws-')
    writeModule(ws, { name: 'hello' })
    const { host, call } = await openHost(ws)
    hosts.push(host)
    const { hibernated } = await call('module.hibernate', { name: 'hello', reason: 'test' })
    const at = Number(/\.(\d+)\.tgz$/.exec(hibernated[0].archivePath)![1]) + 1
    const dir = path.dirname(hibernated[0].archivePath)
    execFileSync('mkfifo', [path.join(dir, `hello.${at}.tgz`)])
    fs.copyFileSync(hibernated[0].metadataPath, path.join(dir, `hello.${at}.metadata.json`))

    const report = await call('module.verify', {})
    expect(report.ok).toBe(false)
    expect(report.problems.map((p) => p.message).join('\n')).toMatch(/named pipe \(FIFO\)/)
    const { modules } = await call('module.listHibernated', {})
    expect(modules[0]).toMatchObject({ name: 'hello', restorable: false })
  }, 30_000)
})
