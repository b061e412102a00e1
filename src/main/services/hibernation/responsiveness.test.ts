import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fingerprint, openHost, tempDir, writeModule } from '../../../../test/fixtures'

const hosts: Array<{ dispose(): void }> = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

/** The longest time the event loop went without running a 5 ms timer while `work` ran, and how long `work` took. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ value: T; longestMs: number; totalMs: number }> {
  let last = performance.now()
  let longestMs = 0
  const timer = setInterval(() => {
    const now = performance.now()
    longestMs = Math.max(longestMs, now - last)
    last = now
  }, 5)
  const start = performance.now()
  try {
    last = start
    const value = await work()
    const end = performance.now()
    return { value, longestMs: Math.max(longestMs, end - last), totalMs: end - start }
  } finally {
    clearInterval(timer)
  }
}

const FILES = 30_000

/**
 * A server answers health checks while it hibernates a big module. Not a speed benchmark: the
 * longest stall is compared with the whole operation measured in the same run, so a slow or busy
 * machine slows both. With time slicing the longest stall is a few percent of the operation (~100 ms
 * of several seconds); the synchronous read-back before it was a third of it (~880 ms for these
 * 30,000 files; 3.4 s for 100,000).
 */
describe('a big module does not block the event loop', () => {
  it(`hibernates and wakes ${FILES} files while timers keep running`, async () => {
    const ws = tempDir('warden-ws-')
    const files: Record<string, string> = {}
    for (let i = 0; i < FILES; i++) files[`src/d${Math.floor(i / 500)}/f${i}.js`] = `module.exports = ${i}\n`
    const dir = writeModule(ws, { name: 'huge', files })
    const before = fingerprint(dir)
    const { host, call } = await openHost(ws)
    hosts.push(host)

    const hibernated = await longestStall(() => call('module.hibernate', { name: 'huge', reason: 'test' }))
    expect(hibernated.value.hibernated[0].fileCount).toBe(FILES + 2)
    const woken = await longestStall(() => call('module.wake', { name: 'huge' }))
    expect(woken.value.woken[0].fileCount).toBe(FILES + 2)
    expect(fingerprint(path.join(ws, 'commands/huge'))).toEqual(before)
    const share = (r: { longestMs: number; totalMs: number }) => `${r.longestMs.toFixed(0)} of ${r.totalMs.toFixed(0)} ms`
    console.log(`longest event-loop stall: hibernate ${share(hibernated)}, wake ${share(woken)}`)
    expect(hibernated.longestMs / hibernated.totalMs).toBeLessThan(0.12)
    expect(woken.longestMs / woken.totalMs).toBeLessThan(0.12)
    expect(fs.existsSync(dir)).toBe(true)
  })
})
