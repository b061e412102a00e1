import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { expectError, tempDir } from '../../../../test/fixtures'
import { CHUNK, MiB, modelBytes, startModelServer, type Served, type TestServer } from '../../../../test/modelServer'
import { FREE_SPACE_MARGIN, ModelInstaller, PARTIAL_DIR_NAME, type InstallProgress, type ModelInstallerOptions } from './ModelInstaller'


const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
/** Requests that carried the body (ipull's Range requests). */
const ranged = (s: TestServer, p: string) => s.log.filter((e) => e.path === p && e.method === 'GET' && e.range)
const rangedBytes = (s: TestServer, p: string) => ranged(s, p).reduce((n, e) => n + e.bytes, 0)
/**
 * Every ranged request for `p` asked for `range`, and there was one. After a failed install, its
 * downloader's last retry can still arrive (node-llama-cpp's retry loop does not stop at once), so a
 * second request for the same range is allowed; a request for anything before it is not.
 */
function expectOnlyRange(s: TestServer, p: string, range: string): void {
  const ranges = ranged(s, p).map((e) => e.range)
  expect(ranges.length).toBeGreaterThan(0)
  expect(new Set(ranges)).toEqual(new Set([range]))
}
const probes = (s: TestServer, p: string) => s.log.filter((e) => e.path === p && e.method === 'GET' && !e.range)

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

function installer(modelsDir = tempDir('warden-models-'), options: Partial<ModelInstallerOptions> = {}) {
  return new ModelInstaller({ modelsDir, stallTimeoutMs: 15_000, maxRetries: 3, ...options })
}

const listing = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [])

const servers: TestServer[] = []
afterEach(async () => {
  while (servers.length) await servers.pop()!.close()
})

/** A model server for one test, closed after it. */
async function startServer(): Promise<TestServer> {
  const s = await startModelServer()
  servers.push(s)
  return s
}

describe('ModelInstaller', () => {
  it('downloads a model with throttled progress that rises to 100%, and knows it is installed', async () => {
    const s = await startServer()
    const data = modelBytes(8 * MiB)
    s.files.set('/m/tiny.gguf', { data, bytesPerSec: 12 * MiB })
    const inst = installer()
    const spec = { uri: `${s.base}/m/tiny.gguf` }
    const events: Array<InstallProgress & { at: number }> = []
    const activeSeen: InstallProgress[][] = []

    const result = await inst.install(spec, {
      onProgress: (p) => {
        events.push({ ...p, at: Date.now() })
        activeSeen.push(inst.active())
      },
    })

    expect(result).toEqual({ path: path.join(inst.modelsDir, 'tiny.gguf'), fileName: 'tiny.gguf', size: data.length, sha256: null, resumedFrom: 0 })
    expect(fs.readFileSync(result.path).equals(data)).toBe(true)
    expect(events.length).toBeGreaterThanOrEqual(3)
    for (let i = 1; i < events.length; i++) {
      expect(events[i].bytesDownloaded).toBeGreaterThanOrEqual(events[i - 1].bytesDownloaded)
      expect(events[i].percent!).toBeGreaterThanOrEqual(events[i - 1].percent!)
      // At most ~10 a second; only the final 100% may come sooner.
      if (i < events.length - 1) expect(events[i].at - events[i - 1].at).toBeGreaterThanOrEqual(80)
    }
    expect(events.slice(0, -1).every((e) => e.percent! < 100)).toBe(true)
    expect(events.at(-1)).toMatchObject({ uri: spec.uri, fileName: 'tiny.gguf', bytesDownloaded: data.length, bytesTotal: data.length, percent: 100 })
    expect(activeSeen[1]).toEqual([expect.objectContaining({ fileName: 'tiny.gguf', bytesTotal: data.length })])
    expect(inst.active()).toEqual([])
    // Only the final file is left; the staging folder is gone.
    expect(listing(inst.modelsDir)).toEqual(['tiny.gguf'])
    expect(await inst.isInstalled(spec)).toBe(result.path)
    expect(await inst.isInstalled({ ...spec, size: data.length })).toBe(result.path)
    expect(await inst.isInstalled({ ...spec, size: data.length + 1 })).toBe(null)
  })

  it('two concurrent installs of one file share one download and get the same result', async () => {
    const s = await startServer()
    const data = modelBytes(6 * MiB, 2)
    s.files.set('/m/shared.gguf', { data, bytesPerSec: 16 * MiB })
    const inst = installer()
    const spec = { uri: `${s.base}/m/shared.gguf`, sha256: sha(data) }
    const a: InstallProgress[] = []
    const b: InstallProgress[] = []

    const [ra, rb] = await Promise.all([inst.install(spec, { onProgress: (p) => a.push(p) }), inst.install(spec, { onProgress: (p) => b.push(p) })])

    expect(ra).toEqual(rb)
    expect(ra.sha256).toBe(sha(data))
    expect(probes(s, '/m/shared.gguf')).toHaveLength(1)
    expect(rangedBytes(s, '/m/shared.gguf')).toBe(data.length)
    expect(a.at(-1)?.percent).toBe(100)
    expect(b.at(-1)?.percent).toBe(100)
  })

  it('a caller that cancels only detaches; the download goes on for the other caller', async () => {
    const s = await startServer()
    const data = modelBytes(4 * MiB, 3)
    s.files.set('/m/two.gguf', { data, bytesPerSec: 4 * MiB })
    const inst = installer()
    const spec = { uri: `${s.base}/m/two.gguf` }
    const stopA = new AbortController()
    const pa = inst.install(spec, { signal: stopA.signal })
    const pb = inst.install(spec)
    await until('the body to flow', () => rangedBytes(s, '/m/two.gguf') > 256 * 1024)
    stopA.abort()

    expect((await expectError(pa)).code).toBe('CANCELLED')
    const rb = await pb
    expect(fs.readFileSync(rb.path).equals(data)).toBe(true)
    expect(rangedBytes(s, '/m/two.gguf')).toBe(data.length)
  })

  it('cancel rejects with CANCELLED, keeps the partial download, and the next install resumes with Range', async () => {
    const s = await startServer()
    // 8 MiB = chunk 0 (5 MiB) + chunk 1 (3 MiB), fetched in parallel; chunk 1 finishes first.
    const data = modelBytes(8 * MiB, 4)
    const file: Served = { data, bytesPerSec: 3 * MiB }
    s.files.set('/m/big.gguf', file)
    const inst = installer()
    const spec = { uri: `${s.base}/m/big.gguf`, size: data.length, sha256: sha(data) }
    const stop = new AbortController()
    const first = inst.install(spec, { signal: stop.signal })
    await until('chunk 1 to be served', () => ranged(s, '/m/big.gguf').some((e) => e.range === `bytes=${CHUNK}-${data.length - 1}` && e.done))
    await sleep(300)
    stop.abort()
    const error = await expectError(first)
    expect(error.code).toBe('CANCELLED')
    expect(error.message).toContain(spec.uri)
    expect(listing(inst.modelsDir)).toEqual([PARTIAL_DIR_NAME])
    // The partial data stays (ipull may have renamed it to its completed name in a race with the
    // cancel; the next install recognizes it by its appended resume data and resumes).
    expect(listing(inst.partialDir)).toHaveLength(1)
    expect(listing(inst.partialDir)[0]).toMatch(/^big\.gguf(\.ipull)?$/)
    expect(inst.active()).toEqual([])

    s.log.length = 0
    file.bytesPerSec = 0
    const again = await inst.install(spec)
    expect(again.resumedFrom).toBeGreaterThan(0)
    expect(ranged(s, '/m/big.gguf').map((e) => e.range)).toEqual([`bytes=0-${CHUNK - 1}`])
    expect(rangedBytes(s, '/m/big.gguf')).toBeLessThan(data.length)
    expect(fs.readFileSync(again.path).equals(data)).toBe(true)
    expect(again.sha256).toBe(sha(data))
  })

  it('resumes a download whose process was killed', async () => {
    const s = await startServer()
    const data = modelBytes(8 * MiB, 5)
    const file: Served = { data, bytesPerSec: 2 * MiB }
    s.files.set('/m/killed.gguf', file)
    const modelsDir = tempDir('warden-models-')
    const uri = `${s.base}/m/killed.gguf`
    const script = `import { ModelInstaller } from ${JSON.stringify(path.resolve(import.meta.dirname, 'ModelInstaller.ts'))}
await new ModelInstaller({ modelsDir: process.env.MODELS_DIR }).install({ uri: process.env.MODEL_URI })`
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '../../../..'),
      env: { ...process.env, MODELS_DIR: modelsDir, MODEL_URI: uri },
      stdio: 'ignore',
    })
    try {
      await until('chunk 1 to be served', () => ranged(s, '/m/killed.gguf').some((e) => e.range === `bytes=${CHUNK}-${data.length - 1}` && e.done), 30_000)
      await sleep(300)
    } finally {
      child.kill('SIGKILL')
    }
    await new Promise((resolve) => child.once('exit', resolve))
    expect(listing(path.join(modelsDir, PARTIAL_DIR_NAME))).toEqual(['killed.gguf.ipull'])

    s.log.length = 0
    file.bytesPerSec = 0
    const result = await installer(modelsDir).install({ uri, sha256: sha(data) })
    expect(result.resumedFrom).toBeGreaterThan(0)
    expect(ranged(s, '/m/killed.gguf').map((e) => e.range)).toEqual([`bytes=0-${CHUNK - 1}`])
    expect(fs.readFileSync(result.path).equals(data)).toBe(true)
  })

  it('a sha256 mismatch gives CHECKSUM_MISMATCH and leaves no file behind', async () => {
    const s = await startServer()
    const data = modelBytes(2 * MiB, 6)
    s.files.set('/m/bad.gguf', { data })
    const inst = installer()
    const wrong = sha(Buffer.from('something else'))
    const error = await expectError(inst.install({ uri: `${s.base}/m/bad.gguf`, sha256: wrong }))
    expect(error.code).toBe('CHECKSUM_MISMATCH')
    expect(error.message).toContain('bad.gguf')
    expect(error.message).toContain(wrong)
    expect(error.hint).toBeTruthy()
    expect(listing(inst.modelsDir).filter((n) => n !== PARTIAL_DIR_NAME)).toEqual([])
    expect(listing(inst.partialDir)).toEqual([])
  })

  it('a size that differs from the server’s is refused before downloading', async () => {
    const s = await startServer()
    const data = modelBytes(2 * MiB, 7)
    s.files.set('/m/sized.gguf', { data })
    const inst = installer()
    const error = await expectError(inst.install({ uri: `${s.base}/m/sized.gguf`, size: data.length + 1 }))
    expect(error.code).toBe('CHECKSUM_MISMATCH')
    expect(ranged(s, '/m/sized.gguf')).toEqual([])
  })

  it('a file that is not GGUF is refused and removed', async () => {
    const s = await startServer()
    s.files.set('/m/page.gguf', { data: modelBytes(1 * MiB, 8, '<htm') })
    const inst = installer()
    const error = await expectError(inst.install({ uri: `${s.base}/m/page.gguf` }))
    expect(error.code).toBe('INVALID_INPUT')
    expect(error.message).toMatch(/not a GGUF model file/)
    expect(listing(inst.modelsDir).filter((n) => n !== PARTIAL_DIR_NAME)).toEqual([])
    expect(listing(inst.partialDir)).toEqual([])
  })

  it('404 gives NOT_FOUND naming the URL', async () => {
    const s = await startServer()
    const inst = installer()
    const uri = `${s.base}/m/missing.gguf`
    const error = await expectError(inst.install({ uri }))
    expect(error.code).toBe('NOT_FOUND')
    expect(error.message).toBe(`Model file missing.gguf not found at ${uri} (HTTP 404 Not Found)`)
    expect(error.hint).toBeTruthy()
    expect(listing(inst.partialDir)).toEqual([])
    expect(await inst.isInstalled({ uri })).toBe(null)
  })

  it('a server error that persists gives DOWNLOAD_FAILED with the status, after a few retries', async () => {
    const s = await startServer()
    s.files.set('/m/broken.gguf', { data: modelBytes(1 * MiB, 9), status: 503, statusOnRange: true })
    const error = await expectError(installer().install({ uri: `${s.base}/m/broken.gguf` }))
    expect(error.code).toBe('DOWNLOAD_FAILED')
    expect(error.message).toMatch(/failed 4 times in a row: .*Status code: 503/)
    expect(ranged(s, '/m/broken.gguf').length).toBeGreaterThanOrEqual(4)
  })

  it('a truncated body gives DOWNLOAD_FAILED with the cause; nothing under the final name; a later install resumes', async () => {
    const s = await startServer()
    const data = modelBytes(8 * MiB, 10)
    // Every response for chunk 1 ends 1 MiB early with the full Content-Length announced.
    const file: Served = { data, cutAt: 7 * MiB, faults: 1000, how: 'end' }
    s.files.set('/m/short.gguf', file)
    const inst = installer()
    const spec = { uri: `${s.base}/m/short.gguf` }
    const error = await expectError(inst.install(spec))
    expect(error.code).toBe('DOWNLOAD_FAILED')
    expect(error.message).toMatch(/short\.gguf.*terminated \(other side closed\)/)
    expect(fs.existsSync(path.join(inst.modelsDir, 'short.gguf'))).toBe(false)
    expect(listing(inst.partialDir)).toEqual(['short.gguf.ipull'])

    file.faults = 0
    s.log.length = 0
    const result = await inst.install(spec)
    // Resumed from the finished chunk: nothing before it is fetched again.
    expectOnlyRange(s, '/m/short.gguf', `bytes=${CHUNK}-${data.length - 1}`)
    expect(fs.readFileSync(result.path).equals(data)).toBe(true)
  })

  it('a connection dropped once is retried transparently from the unfinished chunk', async () => {
    const s = await startServer()
    const data = modelBytes(8 * MiB, 11)
    s.files.set('/m/flaky.gguf', { data, cutAt: 2 * MiB, faults: 1 })
    const inst = installer()
    const result = await inst.install({ uri: `${s.base}/m/flaky.gguf`, sha256: sha(data) })
    expect(fs.readFileSync(result.path).equals(data)).toBe(true)
    const chunk0 = ranged(s, '/m/flaky.gguf').filter((e) => e.range === `bytes=0-${CHUNK - 1}`)
    expect(chunk0.map((e) => [e.bytes, e.done])).toEqual([
      [2 * MiB, false],
      [CHUNK, true],
    ])
  })

  it('a connection that keeps dropping gives DOWNLOAD_FAILED; the next install resumes from the finished chunk', async () => {
    const s = await startServer()
    const data = modelBytes(8 * MiB, 12)
    const file: Served = { data, cutAt: 6 * MiB, faults: 1000 }
    s.files.set('/m/drops.gguf', file)
    const inst = installer()
    const spec = { uri: `${s.base}/m/drops.gguf`, sha256: sha(data) }
    const error = await expectError(inst.install(spec))
    expect(error.code).toBe('DOWNLOAD_FAILED')
    expect(error.message).toMatch(/terminated/)
    expect(error.hint).toMatch(/resumes/)

    file.faults = 0
    s.log.length = 0
    const result = await inst.install(spec)
    expect(result.resumedFrom).toBeGreaterThan(0)
    expectOnlyRange(s, '/m/drops.gguf', `bytes=${CHUNK}-${data.length - 1}`)
    expect(rangedBytes(s, '/m/drops.gguf')).toBeLessThan(data.length)
    expect(fs.readFileSync(result.path).equals(data)).toBe(true)
  })

  it('a server that stops sending gives DOWNLOAD_FAILED after the stall timeout; a later install resumes', async () => {
    const s = await startServer()
    const data = modelBytes(8 * MiB, 17)
    const file: Served = { data, cutAt: 6 * MiB, faults: 1, how: 'hang' }
    s.files.set('/m/stuck.gguf', file)
    const inst = installer(undefined, { stallTimeoutMs: 1500 })
    const spec = { uri: `${s.base}/m/stuck.gguf` }
    const started = Date.now()
    const error = await expectError(inst.install(spec))
    expect(error.code).toBe('DOWNLOAD_FAILED')
    expect(error.message).toBe(`Downloading ${spec.uri} stalled: no data for 1.5 s`)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(fs.existsSync(path.join(inst.modelsDir, 'stuck.gguf'))).toBe(false)

    s.log.length = 0
    const result = await inst.install(spec)
    expectOnlyRange(s, '/m/stuck.gguf', `bytes=${CHUNK}-${data.length - 1}`)
    expect(fs.readFileSync(result.path).equals(data)).toBe(true)
  })

  it('refuses with NO_SPACE before any request when spec.size does not fit', async () => {
    const s = await startServer()
    const data = modelBytes(2 * MiB, 13)
    s.files.set('/m/huge.gguf', { data })
    const asked: string[] = []
    const inst = installer(undefined, {
      freeSpace: async (dir) => {
        asked.push(dir)
        return data.length + FREE_SPACE_MARGIN - 1
      },
    })
    const error = await expectError(inst.install({ uri: `${s.base}/m/huge.gguf`, size: data.length }))
    expect(error.code).toBe('NO_SPACE')
    expect(error.message).toMatch(/huge\.gguf: it needs 2\.0 MB .* and 34\.0 MB is free/)
    expect(error.details).toEqual({ needed: data.length, free: data.length + FREE_SPACE_MARGIN - 1, margin: FREE_SPACE_MARGIN })
    expect(asked).toEqual([inst.modelsDir])
    expect(s.log).toEqual([])
  })

  it('refuses with NO_SPACE from the server’s size, without downloading the body', async () => {
    const s = await startServer()
    const data = modelBytes(2 * MiB, 14)
    s.files.set('/m/huge.gguf', { data })
    const inst = installer(undefined, { freeSpace: async () => 1024 })
    const error = await expectError(inst.install({ uri: `${s.base}/m/huge.gguf` }))
    expect(error.code).toBe('NO_SPACE')
    // Only ipull's size probe; no Range request, nothing written.
    expect(probes(s, '/m/huge.gguf')).toHaveLength(1)
    expect(ranged(s, '/m/huge.gguf')).toEqual([])
    expect(listing(inst.partialDir)).toEqual([])
  })

  it('an installed model is not downloaded again', async () => {
    const s = await startServer()
    const data = modelBytes(1 * MiB, 15)
    s.files.set('/m/have.gguf', { data })
    const inst = installer()
    fs.writeFileSync(path.join(inst.modelsDir, 'have.gguf'), data)
    const events: InstallProgress[] = []
    const result = await inst.install({ uri: `${s.base}/m/have.gguf`, size: data.length, sha256: sha(data) }, { onProgress: (p) => events.push(p) })
    expect(result).toEqual({ path: path.join(inst.modelsDir, 'have.gguf'), fileName: 'have.gguf', size: data.length, sha256: sha(data), resumedFrom: data.length })
    expect(events.map((e) => e.percent)).toEqual([100])
    expect(s.log).toEqual([])
  })

  it('installs an hf: URI under node-llama-cpp’s name, and finds it again without the network', async () => {
    const s = await startServer()
    const data = modelBytes(1 * MiB, 16)
    s.files.set('/user/repo-GGUF/resolve/main/repo.Q4_K_M.gguf', { data })
    s.files.set('/v2/user/repo-GGUF/manifests/Q4_K_M', { data: Buffer.from(JSON.stringify({ ggufFile: { rfilename: 'repo.Q4_K_M.gguf' } })) })
    const inst = installer(undefined, { huggingFaceEndpoint: s.base })
    const byFile = { uri: 'hf:user/repo-GGUF/repo.Q4_K_M.gguf' }
    const byTag = { uri: 'hf:user/repo-GGUF:Q4_K_M' }
    expect(await inst.isInstalled(byFile)).toBe(null)

    const [r1, r2] = await Promise.all([inst.install(byTag), inst.install(byTag)])
    expect(r1).toEqual(r2)
    expect(r1.fileName).toBe('hf_user_repo.Q4_K_M.gguf')
    expect(rangedBytes(s, '/user/repo-GGUF/resolve/main/repo.Q4_K_M.gguf')).toBe(data.length)

    s.log.length = 0
    expect(await inst.isInstalled(byFile)).toBe(r1.path)
    expect(await inst.isInstalled(byTag)).toBe(r1.path)
    expect((await inst.install(byFile)).resumedFrom).toBe(data.length)
    expect(s.log).toEqual([])
  })

  it('rejects what it cannot name or fetch', async () => {
    const inst = installer()
    expect((await expectError(inst.install({ uri: 'ftp://example.com/a.gguf' }))).code).toBe('INVALID_INPUT')
    expect((await expectError(inst.install({ uri: 'https://example.com/' }))).code).toBe('INVALID_INPUT')
    expect((await expectError(inst.install({ uri: 'https://example.com/a.gguf', fileName: '../a.gguf' }))).code).toBe('INVALID_INPUT')
    expect((await expectError(inst.install({ uri: 'https://example.com/a.gguf', sha256: 'abc' }))).code).toBe('INVALID_INPUT')
    expect((await expectError(inst.isInstalled({ uri: 'nope' }))).code).toBe('INVALID_INPUT')
  })
})
