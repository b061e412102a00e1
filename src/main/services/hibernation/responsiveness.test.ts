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

const FILES = 20_000

/**
 * A server answers health checks while it hibernates a big module. Not a speed benchmark: the
 * bound is several times what the fixed code needs on a slow, busy machine, and far below what
 * the synchronous loops took (seconds for 100,000 files).
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
    expect(hibernated.longestMs).toBeLessThan(400)
    expect(woken.longestMs).toBeLessThan(400)
    expect(fs.existsSync(dir)).toBe(true)
  })
})
