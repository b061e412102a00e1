import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { fakeWarden } from '../../../test/fakeWarden'
import { tempDir } from '../../../test/fixtures'
import { composeDomains, defineDomain, defineOperation } from '../../shared/contract/operation'
import { runCli, type CliContract, type CliIo } from './main'

// A contract Warden does not have: a new app-hosted domain with a path field and a conditional one,
// beside a workspace operation and one that runs anywhere. Nothing else is edited for it.
const gizmos = defineDomain(
  { runsIn: 'app' },
  {
    'gizmo.import': defineOperation({
      summary: 'Import a gizmo from a file',
      input: z.object({ file: z.string().min(1), note: z.string().optional() }),
      output: z.unknown(),
      mutates: true,
      cli: { positional: ['file'] },
      paths: { file: true },
    }),
    'gizmo.set': defineOperation({
      summary: 'Change a gizmo setting; the "folder" setting is a path',
      input: z.object({ key: z.string(), value: z.string() }),
      output: z.unknown(),
      mutates: true,
      cli: { positional: ['key', 'value'] },
      paths: { value: (input) => input.key === 'folder' },
    }),
    'gizmo.tag': defineOperation({
      summary: 'Tag a gizmo: repeated --tags are words, repeated --sizes numbers',
      input: z.object({ tags: z.array(z.string()), sizes: z.array(z.number()).optional() }),
      output: z.unknown(),
      mutates: true,
    }),
  },
)
const gizmoModules = defineDomain({ runsIn: 'workspace' }, { 'gizmo.scan': defineOperation({ summary: 'Scan the workspace', input: z.object({}), output: z.unknown(), mutates: false }) })
const gizmoInfo = defineDomain({ runsIn: 'either' }, { 'gizmo.about': defineOperation({ summary: 'About gizmos', input: z.object({}), output: z.unknown(), mutates: false }) })
const throwaway: CliContract = composeDomains(gizmos, gizmoModules, gizmoInfo)

async function cli(args: string[], home: string) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false }
  const code = await runCli(['--home', home, ...args], io, undefined, throwaway)
  return { code, stdout: out.join('\n'), stderr: err.join('\n') }
}

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

describe('the CLI derives where an operation runs and which fields are paths from the contract alone', () => {
  it('sends a new app-hosted operation to the running Warden, with its path made absolute against the caller’s folder', async () => {
    const home = tempDir('warden-contract-home-')
    const running = await fakeWarden(home)
    closers.push(running.close)

    const imported = await cli(['gizmo', 'import', 'gizmos/first.gz', '--note', 'a/b'], home)
    expect(imported.code, imported.stderr).toBe(0)
    expect(JSON.parse(imported.stdout)).toMatchObject({ servedBy: 'running Warden' })
    expect(running.calls).toEqual([{ op: 'gizmo.import', input: { file: path.resolve('gizmos/first.gz'), note: 'a/b' } }])

    // A conditional path: absolute only when the rule holds for the rest of the input.
    await cli(['gizmo', 'set', 'folder', 'store/here'], home)
    await cli(['gizmo', 'set', 'colour', 'red/blue'], home)
    expect(running.calls.slice(1)).toEqual([
      { op: 'gizmo.set', input: { key: 'folder', value: path.resolve('store/here') } },
      { op: 'gizmo.set', input: { key: 'colour', value: 'red/blue' } },
    ])
  })

  it('parses a repeated array option by its items’ kind: words stay words, numbers become numbers', async () => {
    const home = tempDir('warden-contract-home-')
    const running = await fakeWarden(home)
    closers.push(running.close)

    const tagged = await cli(['gizmo', 'tag', '--tags', 'poetry', '--tags', 'verse', '--sizes', '2', '--sizes', '0.5'], home)
    expect(tagged.code, tagged.stderr).toBe(0)
    expect(running.calls).toEqual([{ op: 'gizmo.tag', input: { tags: ['poetry', 'verse'], sizes: [2, 0.5] } }])

    const bad = await cli(['gizmo', 'tag', '--tags', 'x', '--sizes', 'big'], home)
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/--sizes expects a number, got "big"/)
  })

  it('runs workspace and run-anywhere operations (and --local) in its own process, never in the running Warden', async () => {
    const home = tempDir('warden-contract-home-')
    const running = await fakeWarden(home)
    closers.push(running.close)

    // Opened here: a workspace that does not exist is this process's error.
    const scan = await cli(['--workspace', path.join(home, 'no-such-workspace'), 'gizmo', 'scan'], home)
    expect(scan.code).toBe(1)
    expect(scan.stderr).toMatch(/does not exist/)

    // Hosted here, by a Warden whose contract has no gizmos.
    for (const args of [['gizmo', 'about'], ['--local', 'gizmo', 'import', 'x.gz']]) {
      const r = await cli(args, home)
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/Unknown operation "gizmo\./)
    }
    expect(running.calls).toEqual([])
  })
})
