/**
 * The CLI as a person runs it: whole processes, timed from spawn to exit, against a baseline run in
 * the same loop (`node -e 0`, the seeds' `npm pack` + `mv` and `tar -xzf` + `mv`). Runs alternate so
 * that drift on a noisy machine hits both sides alike; medians are compared.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { generateModule } from './generateModule'

const repo = path.resolve(import.meta.dirname, '..')
const warden = path.join(repo, 'bin', 'warden.mjs')
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Milliseconds from spawn to exit; throws when the command fails. */
function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  const t = process.hrtime.bigint()
  const r = spawnSync(cmd, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - t) / 1e6
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(0, 500)}`)
  return ms
}

function row(label: string, ours: number[], theirs: number[], theirLabel: string, goal: string): string {
  const o = median(ours)
  const t = median(theirs)
  return `  ${label.padEnd(26)} ${o.toFixed(0).padStart(5)} ms   ${theirLabel.padEnd(18)} ${t.toFixed(0).padStart(5)} ms   ratio ${(o / t).toFixed(2)}x of it   (goal: ${goal})`
}

export async function runCliBench(runs = 7): Promise<void> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-cli-'))
  const env = { WARDEN_HOME: path.join(base, 'home') }
  console.log(`\nCLI start-up and whole commands (node ${process.version}, ${os.cpus().length} cores), median of ${runs} runs each\n`)
  try {
    const demo = path.join(base, 'demo')
    run(process.execPath, [warden, 'demo', 'create', demo], { env })

    const bare: number[] = []
    const version: number[] = []
    const list: number[] = []
    for (let i = 0; i < runs; i++) {
      bare.push(run(process.execPath, ['-e', '0']))
      version.push(run(process.execPath, [warden, '--version'], { env }))
      list.push(run(process.execPath, [warden, '--workspace', demo, 'module', 'list'], { env }))
    }

    // The ~2 MB / 500-file module of the hibernation benchmark, hibernated and woken by the CLI and by the seeds' workflow.
    const ws = path.join(base, 'ws')
    const moduleDir = path.join(ws, 'commands', 'bench-module')
    generateModule(moduleDir, 'bench-module', 500, 2 * 1024 * 1024)
    const store = path.join(base, 'seed-store')
    fs.mkdirSync(store)
    const hibernate: number[] = []
    const wake: number[] = []
    const packMove: number[] = []
    const untar: number[] = []
    for (let i = 0; i < runs; i++) {
      execFileSync('sync')
      hibernate.push(run(process.execPath, [warden, '--workspace', ws, 'module', 'hibernate', '--name', 'bench-module', '--reason', 'bench'], { env }))
      execFileSync('sync')
      wake.push(run(process.execPath, [warden, '--workspace', ws, 'module', 'wake', '--name', 'bench-module'], { env }))
      execFileSync('sync')
      // The seeds: `npm pack` in the module, `mv` the tarball away, remove the module…
      const t = process.hrtime.bigint()
      const tgz = execFileSync('npm', ['pack', '--silent', '--ignore-scripts'], { cwd: moduleDir, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'silent' } }).trim().split('\n').pop()!
      const archive = path.join(store, `seed-${i}.tgz`)
      execFileSync('mv', [path.join(moduleDir, tgz), archive])
      fs.rmSync(moduleDir, { recursive: true, force: true })
      packMove.push(Number(process.hrtime.bigint() - t) / 1e6)
      execFileSync('sync')
      // …and `tar -xzf` into a folder beside it, then `mv` it into place.
      const u = process.hrtime.bigint()
      const staging = path.join(ws, 'commands', `.staging-${i}`)
      fs.mkdirSync(staging)
      execFileSync('tar', ['-xzf', archive, '-C', staging, '--strip-components=1'])
      execFileSync('mv', [staging, moduleDir])
      untar.push(Number(process.hrtime.bigint() - u) / 1e6)
    }

    console.log(row('warden --version', version, bare, 'node -e 0', 'within 2x'))
    console.log(row('warden module list (demo)', list, bare, 'node -e 0', 'trivial commands within 2x'))
    console.log(row('warden module hibernate', hibernate, packMove, 'npm pack + mv', 'at most 0.33x: 3x faster'))
    console.log(row('warden module wake', wake, untar, 'tar -xzf + mv', 'at most 1.25x: 0.8x the speed'))
    console.log('  (hibernate also reads the archive back and compares every file; wake checks the checksum and every entry first)')
  } finally {
    fs.rmSync(base, { recursive: true, force: true })
  }
}
