import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../../test/fixtures'
import { RotatingFile, rotationFiles } from './RotatingFile'

const writer = path.resolve(__dirname, '../../../../test/logWriter.ts')

function runWriter(file: string, count: number, maxBytes: number, keep: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, file, String(count), String(maxBytes), String(keep)], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => resolve({ code, stderr }))
  })
}

describe('rotating log file', () => {
  it('three processes writing one log at once keep it within its bound, in whole lines, private', async () => {
    const dir = path.join(tempDir('warden-rotate-'), 'logs')
    const file = path.join(dir, 'cli.log')
    const maxBytes = 64 * 1024
    const keep = 2
    // ~3 × 4000 lines of ~150 bytes: about 1.8 MB through a log that holds 3 × 64 KB.
    const results = await Promise.all([0, 1, 2].map(() => runWriter(file, 4000, maxBytes, keep)))
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 })

    // Only the log and its rotated files remain: no claim left behind, nothing beyond `keep`.
    expect(fs.readdirSync(dir).sort()).toEqual(['cli.log', 'cli.log.1', 'cli.log.2'])
    const longest = 400
    let total = 0
    for (const f of rotationFiles(file, keep)) {
      const st = fs.statSync(f)
      expect(st.mode & 0o777).toBe(0o600)
      // A file may pass the limit by the lines its writers had in flight: one each.
      expect(st.size).toBeLessThanOrEqual(maxBytes + 3 * longest)
      total += st.size
      // Every line is whole JSON, never two writes interleaved.
      for (const line of fs.readFileSync(f, 'utf8').trimEnd().split('\n')) {
        expect(line.length).toBeLessThan(longest)
        expect(JSON.parse(line)).toMatchObject({ source: 'cli', msg: expect.stringMatching(/^line \d+ of \d+$/) })
      }
    }
    expect(total).toBeLessThanOrEqual((keep + 1) * (maxBytes + 3 * longest))
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
  }, 120_000)

  it('rotates in one process: the newest lines in the file, older ones in .1 …, the oldest dropped', () => {
    const file = path.join(tempDir('warden-rotate-'), 'app.log')
    const log = new RotatingFile(file, { maxBytes: 100, keep: 2 })
    for (let i = 0; i < 30; i++) log.write(`{"n":${String(i).padStart(2, '0')},"pad":"${'x'.repeat(20)}"}\n`)
    log.close()
    const numbers = (f: string) => fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { n: number }).n)
    const [current, one, two] = rotationFiles(file, 2).map(numbers)
    // Each file holds consecutive lines, newest in the current file, and nothing is missing between them.
    expect([...two, ...one, ...current]).toEqual(Array.from({ length: two.length + one.length + current.length }, (_, i) => two[0] + i))
    expect([...one, ...current].pop()).toBe(29)
    expect(two[0]).toBeGreaterThan(0)
    expect(fs.existsSync(`${file}.3`)).toBe(false)
  })

  it('tightens a log file someone left readable by others', () => {
    const file = path.join(tempDir('warden-rotate-'), 'server.log')
    fs.writeFileSync(file, '', { mode: 0o644 })
    fs.chmodSync(file, 0o644)
    const log = new RotatingFile(file, { maxBytes: 1000, keep: 1 })
    log.write('{"msg":"x"}\n')
    log.close()
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
  })
})
