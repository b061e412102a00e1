import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/fixtures'
import { requireBuiltCli, runCli, startCli, type CliRun } from '../../../test/cli'
import type { OperationOutput } from '../../shared/contract/operations'

const runs: CliRun[] = []
afterEach(async () => {
  for (const s of runs.splice(0)) {
    s.child.kill('SIGKILL')
    await s.done
  }
})

async function cli<T>(args: string[], home: string): Promise<T> {
  const r = await runCli([...args, '--json'], { home })
  if (r.code !== 0) throw new Error(`warden ${args.join(' ')} failed (exit ${r.code}):\n${r.output}`)
  return r.json<T>()
}

const basin = (i: number) => Array.from({ length: 64 }, (_, k) => (k === i ? 1 : 0))

describe('warden health', () => {
  it('shows every source, its history, its baseline and what is degraded; --watch prints again when health changes', async () => {
    requireBuiltCli()
    const home = tempDir('warden-health-cli-')
    const empty = await runCli(['health'], { home })
    expect(empty.code).toBe(0)
    expect(empty.stdout).toMatch(/No health sources yet/)

    const server = startCli(['serve', '--port', '0'], { home })
    runs.push(server)
    await server.waitForOutput(/Warden is serving/, 30_000)
    const { url, token } = JSON.parse(fs.readFileSync(path.join(home, 'server.json'), 'utf8')) as { url: string; token: string }
    const push = (phi: number) =>
      fetch(`${url}api/self-healing/snapshot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ source: 'ocean', phi, kappa_eff: 63.5, basin_coords: basin(2), confidence: 0.8, surprise: 0.2, agency: 0.7 }),
      }).then((r) => expect(r.status).toBe(200))
    for (let i = 0; i < 4; i++) await push(0.74)

    const summary = await cli<OperationOutput<'health.summary'>>(['health'], home)
    expect(summary.sources).toEqual([expect.objectContaining({ source: 'ocean', kind: 'external', status: 'normal' })])
    const human = await runCli(['health'], { home })
    expect(human.stdout).toMatch(/ocean\s+normal\s+0\.74\s+63\.5/)

    const watch = startCli(['health', '--watch'], { home })
    runs.push(watch)
    await watch.waitForOutput(/ocean\s+normal/, 20_000)
    for (let i = 0; i < 3; i++) await push(0.9)
    await watch.waitForOutput(/ocean\s+warning/, 20_000)
    expect(watch.output()).toMatch(/🟡 ocean: Φ/)
    watch.child.kill('SIGINT')
    expect((await watch.done).code).toBe(0)

    const history = await cli<OperationOutput<'health.history'>>(['health', 'history', '--source', 'ocean', '--since', '15m'], home)
    expect(history.points.reduce((n, p) => n + p.count, 0)).toBe(7)
    expect(history.resolution).toBe('raw')
    const baseline = await cli<OperationOutput<'health.baseline'>>(['health', 'baseline', '--source', 'ocean', '--from-last', '3'], home)
    expect(baseline.snapshots).toBe(3)
    const degraded = await cli<OperationOutput<'health.degradation'>>(['health', 'degradation'], home)
    expect(degraded.issues).toEqual([expect.objectContaining({ source: 'ocean', metric: 'phi_high' })])

    const bad = await runCli(['health', 'history', '--source', 'nobody'], { home })
    expect(bad.code).not.toBe(0)
    expect(bad.output).toMatch(/No health source is called "nobody"/)
  })
})
