import * as os from 'node:os'
import { describe, expect, it } from 'vitest'
import { BoundedText, runLimited } from './runLimited'

const options = { cwd: os.tmpdir(), env: process.env, timeoutMs: 30_000, memoryMB: 64 }

describe('runLimited', () => {
  it.runIf(process.platform === 'linux')('stops a process whose memory outside the JavaScript heap grows past the limit', async () => {
    // Buffers live outside V8's heap: --max-old-space-size does not see them, the group's RSS does.
    const run = await runLimited(process.execPath, ['-e', 'const keep = []; setInterval(() => keep.push(Buffer.alloc(16 << 20, 1)), 10)'], options)
    expect(run).toMatchObject({ ok: false, stoppedBy: 'memory' })
  })

  it('keeps the beginning and the end of a flood of output, bounded', async () => {
    const run = await runLimited(process.execPath, ['-e', 'console.log("FIRST"); for (let i = 0; i < 20000; i++) console.log("line " + i); console.log("LAST")'], { ...options, outputChars: 4000 })
    expect(run.ok).toBe(true)
    expect(run.output.length).toBeLessThan(4200)
    expect(run.output).toMatch(/^FIRST/)
    expect(run.output).toMatch(/LAST\n$/)
    expect(run.output).toContain('characters left out')
  })

  it('reports a command that cannot start', async () => {
    const run = await runLimited('/nonexistent/command', [], options)
    expect(run.ok).toBe(false)
    expect(run.output).toContain('could not start /nonexistent/command')
  })

  it('BoundedText keeps everything under its limit', () => {
    const t = new BoundedText(100)
    t.add('abc')
    t.add('def')
    expect(t.text()).toBe('abcdef')
  })
})
