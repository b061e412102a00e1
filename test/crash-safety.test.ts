import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { cliJson, requireBuiltCli, runCli, startCli } from './cli'
import { fingerprint, tempDir, writeModule } from './fixtures'

interface VerifyOut {
  ok: boolean
  problems: Array<{ severity: string; subject: string; message: string }>
}
interface HibernatedOut {
  modules: Array<{ name: string; restorable: boolean }>
}
interface ListOut {
  kinds: Array<{ modules: Array<{ name: string }> }>
}

/** A seeded generator, so a failing run can be replayed (the seed is in the test name). */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32)
}

function leftovers(ws: string): string[] {
  const found: string[] = []
  const walk = (dir: string) => {
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const p = path.join(dir, name)
      if (name.startsWith('.warden-tmp-')) found.push(p)
      else if (fs.lstatSync(p).isDirectory() && !p.includes(`${path.sep}commands${path.sep}`)) walk(p)
    }
  }
  walk(path.join(ws, '.warden'))
  const commands = path.join(ws, 'commands')
  found.push(...fs.readdirSync(commands).filter((n) => n.startsWith('.warden-tmp-')).map((n) => path.join(commands, n)))
  const journal = path.join(ws, '.warden', 'journal')
  if (fs.existsSync(journal)) found.push(...fs.readdirSync(journal).map((f) => path.join(journal, f)))
  return found
}

describe('nothing is lost when the CLI is killed (SIGKILL) mid-operation', () => {
  beforeAll(() => requireBuiltCli())

  const seed = Number(process.env.WARDEN_CRASH_SEED ?? Date.now() % 100000)
  it(`every module stays active or hibernated, intact, over many kills (seed ${seed})`, async () => {
    const random = rng(seed)
    const ws = tempDir('warden-crash-ws-')
    const home = tempDir('warden-crash-home-')
    const files: Record<string, string | Buffer> = {}
    for (let i = 0; i < 1200; i++) files[`src/part-${Math.floor(i / 100)}/file-${i}.txt`] = `line ${i}\n`.repeat(200 + (i % 50))
    const dir = writeModule(ws, { name: 'big', files })
    writeModule(ws, { name: 'bystander' })
    const original = fingerprint(dir)
    const run = (args: string[]) => startCli(args, { home, workspace: ws })

    // How long an uninterrupted hibernate and wake take, to spread the kills over the whole operation.
    let t = Date.now()
    expect((await run(['module', 'hibernate', '--name', 'big']).done).code).toBe(0)
    const hibernateMs = Date.now() - t
    t = Date.now()
    expect((await run(['module', 'wake', '--name', 'big']).done).code).toBe(0)
    const wakeMs = Date.now() - t

    const runs = Number(process.env.WARDEN_CRASH_RUNS ?? 16)
    let killed = 0
    for (let i = 0; i < runs; i++) {
      const active = fs.existsSync(path.join(dir, 'package.json'))
      const args = active ? ['module', 'hibernate', '--name', 'big'] : ['module', 'wake', '--name', 'big']
      const delay = Math.floor(random() * 1.1 * (active ? hibernateMs : wakeMs))
      const cli = run(args)
      await new Promise((r) => setTimeout(r, delay))
      if (cli.child.kill('SIGKILL')) killed++
      await cli.done

      const verify = await cliJson<VerifyOut>(['module', 'verify'], { home, workspace: ws })
      expect(verify.value.problems.filter((p) => p.severity === 'error'), `run ${i} (${args[1]} killed after ${delay} ms)`).toEqual([])
      expect(verify.code).toBe(0)
      const isActive = fs.existsSync(path.join(dir, 'package.json'))
      expect(fs.existsSync(dir), `run ${i}: a module folder without its package.json (half a module)`).toBe(isActive)
      const hibernated = (await cliJson<HibernatedOut>(['module', 'list-hibernated'], { home, workspace: ws })).value.modules.find((m) => m.name === 'big')
      expect(isActive || hibernated?.restorable === true, `run ${i}: big is neither active nor restorable`).toBe(true)
      if (isActive) expect(fingerprint(dir), `run ${i}: active module not intact`).toEqual(original)
      expect(fs.existsSync(path.join(ws, 'commands/bystander/package.json'))).toBe(true)
    }
    expect(killed).toBeGreaterThan(runs / 2)

    // A later run finishes or undoes what was interrupted and removes every leftover temp file.
    const repaired = await cliJson<VerifyOut & { repaired: string[] }>(['module', 'verify', '--repair'], { home, workspace: ws })
    expect(repaired.value.ok).toBe(true)
    expect(leftovers(ws)).toEqual([])
    const list = (await cliJson<ListOut>(['module', 'list'], { home, workspace: ws })).value
    const activeNow = list.kinds.flatMap((k) => k.modules.map((m) => m.name)).includes('big')
    if (!activeNow) {
      const woke = await run(['module', 'wake', '--name', 'big']).done
      expect(woke.code, woke.stderr).toBe(0)
    }
    expect(fingerprint(dir)).toEqual(original)
  }, 240_000)

  it('the app and the CLI acting on one workspace at once never corrupt it (operations are locked)', async () => {
    const ws = tempDir('warden-lock-ws-')
    const home = tempDir('warden-lock-home-')
    const names = ['a', 'b', 'c', 'd']
    const prints: Record<string, Record<string, string>> = {}
    for (const n of names) prints[n] = fingerprint(writeModule(ws, { name: n, files: { 'data.txt': n.repeat(50000) } }))
    // Start from a lock left by a killed process: all four race to take it over, one at a time.
    fs.mkdirSync(path.join(ws, '.warden', 'lock'), { recursive: true })
    fs.writeFileSync(path.join(ws, '.warden', 'lock.owner.json'), JSON.stringify({ pid: 2147483646, host: os.hostname(), since: 1, what: 'hibernate x' }))
    const run = (args: string[]) => runCli(args, { home, workspace: ws })
    // Four processes at once, then four wakes at once.
    const hib = await Promise.all(names.map((n) => run(['module', 'hibernate', '--name', n])))
    expect(hib.map((r) => r.code), hib.map((r) => r.stderr).join('\n')).toEqual([0, 0, 0, 0])
    const structure = JSON.parse(fs.readFileSync(path.join(ws, '.warden/structure.json'), 'utf8'))
    expect(structure.counts.commands).toBe(0)
    const wake = await Promise.all(names.map((n) => run(['module', 'wake', '--name', n])))
    expect(wake.map((r) => r.code), wake.map((r) => r.stderr).join('\n')).toEqual([0, 0, 0, 0])
    for (const n of names) expect(fingerprint(path.join(ws, 'commands', n))).toEqual(prints[n])
    const verify = await cliJson<VerifyOut>(['module', 'verify'], { home, workspace: ws })
    expect(verify.value.ok).toBe(true)
    expect(JSON.parse(fs.readFileSync(path.join(ws, '.warden/structure.json'), 'utf8')).counts.commands).toBe(4)
  }, 120_000)
})
