/**
 * `npm run bench`: Warden's hibernate and wake against the seeds' own workflow (`npm pack` + move;
 * `tar -xzf` + move) on the same generated modules, in the same run. Prints times and ratios.
 * Then the CLI as whole processes (bench/cli.ts) and the inference benchmarks (bench/inference.ts).
 * Only one of them: `npm run bench -- cli` (or `hibernation`, `inference`, `conversation`, `checkpoints`, `health`, `health-throughput`), or BENCH=cli.
 */
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { WardenHost } from '../src/main/services/host/WardenHost'
import { formatBytes } from '../src/shared/format'
import { generateModule } from './generateModule'
import { runCliBench } from './cli'
import { runInferenceBench } from './inference'
import { runConversationBench } from './conversation'
import { runCheckpointBench } from './checkpoints'
import { runHealthBench } from './health'
import { runHealthThroughputBench } from './healthThroughput'

interface Case {
  label: string
  files: number
  bytes: number
  runs: number
}

const cases: Case[] = [
  { label: '~2 MB / 500 files', files: 500, bytes: 2 * 1024 * 1024, runs: 5 },
  { label: '~50 MB / 10,000 files', files: 10_000, bytes: 50 * 1024 * 1024, runs: 3 },
]

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Flush pending writes first, so one step's write-back does not land on the next one's timing. */
function settle(): void {
  if (process.platform !== 'win32') execFileSync('sync')
}

function time(fn: () => void): number {
  settle()
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  settle()
  const t = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

function dirSize(dir: string): number {
  let total = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    total += e.isDirectory() ? dirSize(p) : fs.statSync(p).size
  }
  return total
}

/** The seeds' hibernate: `npm pack` in the module, move the .tgz away, remove the module. */
function seedHibernate(moduleDir: string, store: string): string {
  const out = execFileSync('npm', ['pack', '--silent', '--ignore-scripts'], { cwd: moduleDir, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'silent' } }).trim().split('\n').pop()!
  const target = path.join(store, `seed.${Date.now()}.tgz`)
  fs.renameSync(path.join(moduleDir, out), target)
  fs.rmSync(moduleDir, { recursive: true, force: true })
  return target
}

/** The seeds' wake: `tar -xzf … --strip-components=1` into the module folder. */
function seedWake(archive: string, moduleDir: string): void {
  fs.mkdirSync(moduleDir, { recursive: true })
  execFileSync('tar', ['-xzf', archive, '-C', moduleDir, '--strip-components=1'])
}

async function main(): Promise<void> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-'))
  console.log(`Warden hibernation benchmark (node ${process.version}, ${os.cpus().length} cores) in ${base}\n`)
  const rows: string[] = []
  try {
    for (const c of cases) {
      const ws = path.join(base, `ws-${c.files}`)
      const moduleDir = path.join(ws, 'commands', 'bench-module')
      generateModule(moduleDir, 'bench-module', c.files, c.bytes)
      const size = dirSize(moduleDir)
      const host = new WardenHost({ home: path.join(base, `home-${c.files}`), runtime: 'cli', watch: false })
      await host.openWorkspace(ws)
      const hib = host.requireHibernation()
      const seedStore = path.join(base, `seed-store-${c.files}`)
      fs.mkdirSync(seedStore)

      const w = { hibernate: [] as number[], wake: [] as number[] }
      const s = { hibernate: [] as number[], wake: [] as number[] }
      let archiveSize = 0
      let seedArchiveSize = 0
      // Alternate Warden and seed runs so drift on a noisy machine hits both alike.
      for (let i = 0; i < c.runs; i++) {
        w.hibernate.push(await timeAsync(async () => {
          const out = await hib.hibernate({ name: 'bench-module', reason: 'bench', withDependents: false, hibernatedBy: 'bench' })
          archiveSize = out.hibernated[0].size
        }))
        w.wake.push(await timeAsync(() => hib.wake({ name: 'bench-module', fromArchive: false })))
        let seedArchive = ''
        s.hibernate.push(time(() => (seedArchive = seedHibernate(moduleDir, seedStore))))
        seedArchiveSize = fs.statSync(seedArchive).size
        s.wake.push(time(() => seedWake(seedArchive, moduleDir)))
      }
      host.dispose()
      const line = (op: 'hibernate' | 'wake') => {
        const wm = median(w[op])
        const sm = median(s[op])
        return `  ${op.padEnd(9)}  Warden ${wm.toFixed(0).padStart(6)} ms   seeds' workflow ${sm.toFixed(0).padStart(6)} ms   ratio ${(sm / wm).toFixed(2)}x ${sm >= wm ? 'faster' : 'SLOWER'}`
      }
      const block = [
        `${c.label}: ${c.files} files, ${formatBytes(size)} on disk; archive ${formatBytes(archiveSize)} (Warden, verified) vs ${formatBytes(seedArchiveSize)} (npm pack); median of ${c.runs}`,
        line('hibernate'),
        line('wake'),
      ]
      console.log(block.join('\n') + '\n')
      rows.push(...block)
    }
    console.log('Warden hibernate = walk + pack + read back and compare every file + atomic moves + structure file; wake = checksum + entry checks + extract + rename.')
  } finally {
    fs.rmSync(base, { recursive: true, force: true })
  }
}

const only = process.argv[2] ?? process.env.BENCH
const benches = ['hibernation', 'cli', 'inference', 'conversation', 'checkpoints', 'health', 'health-throughput']
if (only && !benches.includes(only)) {
  console.error(`Unknown benchmark ${JSON.stringify(only)}: use ${benches.join(', ')} (or nothing, for all)`)
  process.exit(2)
}
if (!only || only === 'hibernation') await main()
if (!only || only === 'cli') await runCliBench()
if (!only || only === 'inference') await runInferenceBench()
if (only === 'conversation') await runConversationBench()
if (only === 'checkpoints') await runCheckpointBench()
if (!only || only === 'health') await runHealthBench()
if (only === 'health-throughput') await runHealthThroughputBench()
