import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fingerprint, openHost, tempDir, writeModule } from '../../../../test/fixtures'

const hosts: Array<{ dispose(): void }> = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

/** The longest time the event loop went without running a 5 ms timer while `work` ran. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ value: T; longestMs: number }> {
  let last = performance.now()
  let longestMs = 0
  const timer = setInterval(() => {
    const now = performance.now()
    longestMs = Math.max(longestMs, now - last)
    last = now
  }, 5)
  try {
    last = performance.now()
    const value = await work()
    return { value, longestMs: Math.max(longestMs, performance.now() - last) }
  } finally {
    clearInterval(timer)
  }
}

const FILES = 30_000

/**
 * A server answers health checks while it hibernates a big module. Not a speed benchmark: the bound
 * is about five times the longest stall measured with the fix on a busy 2-core machine (~100 ms,
 * ~200 ms under a load of 6), and well below what the synchronous read-back took before it
 * (~880 ms for these 30,000 files; 3.4 s for 100,000).
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
    console.log(`longest event-loop stall: hibernate ${hibernated.longestMs.toFixed(0)} ms, wake ${woken.longestMs.toFixed(0)} ms`)
    expect(hibernated.longestMs).toBeLessThan(500)
    expect(woken.longestMs).toBeLessThan(500)
    expect(fs.existsSync(dir)).toBe(true)
  })
})
