// The one way tests run the `warden` CLI: as its own process (what a person runs: bin/warden.mjs of
// the built package), or in this process (the same program, without a build and faster, for the many
// tests of its behaviour). Every run gets a fresh WARDEN_HOME unless it names one, so no test ever
// touches the user's own.
import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Readable } from 'node:stream'

const repoRoot = path.resolve(import.meta.dirname, '..')
/** The package's `warden` bin; it runs the built CLI. */
export const wardenBin = path.join(repoRoot, 'bin', 'warden.mjs')
const builtCli = path.join(repoRoot, 'out', 'main', 'cli.js')

export function requireBuiltCli(): void {
  if (!fs.existsSync(builtCli)) throw new Error(`${builtCli} is missing: run \`npm run build\` first (npm test does)`)
}

export interface CliOptions {
  /** WARDEN_HOME (`--home` in process); default: a fresh temporary folder. */
  home?: string
  /** `--workspace`, given before the arguments. */
  workspace?: string
  /** Further environment variables (a process run only). */
  env?: Record<string, string>
  /** The working folder (a process run only); default this process's. */
  cwd?: string
}

export interface CliResult {
  args: string[]
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** stdout and stderr in the order they were written. */
  output: string
  /** stdout as JSON; throws with what the command printed when it is not. */
  json<T>(): T
}

export interface CliRun {
  child: ChildProcess
  done: Promise<CliResult>
  /** What it printed so far (stdout and stderr). */
  output(): string
  /** Resolves with the first match of `pattern` in its output; rejects when it exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
}

function homeOf(options: CliOptions): string {
  return options.home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'warden-cli-home-'))
}

function result(args: string[], code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, output: string): CliResult {
  return {
    args,
    code,
    signal,
    stdout,
    stderr,
    output,
    json<T>() {
      try {
        return JSON.parse(stdout) as T
      } catch {
        throw new Error(`warden ${args.join(' ')} printed no JSON (exit ${code}):\n${output}`)
      }
    },
  }
}

/** Starts `warden <args>` as its own process; for a command that runs on (serve) or that a test kills. */
export function startCli(args: string[], options: CliOptions = {}): CliRun {
  requireBuiltCli()
  const argv = options.workspace ? ['--workspace', options.workspace, ...args] : args
  const child = spawn(process.execPath, [wardenBin, ...argv], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, WARDEN_HOME: homeOf(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let output = ''
  const listeners = new Set<() => void>()
  child.stdout!.on('data', (d) => {
    stdout += d
    output += d
    for (const l of listeners) l()
  })
  child.stderr!.on('data', (d) => {
    stderr += d
    output += d
    for (const l of listeners) l()
  })
  // At exit, not at 'close': a worker it started may hold the pipes after it died. What is still in
  // the pipes is read first (briefly).
  const drained = (s: Readable) => (s.readableEnded ? Promise.resolve() : new Promise((r) => s.once('end', r)))
  const done = new Promise<CliResult>((resolve) =>
    child.once('exit', (code, signal) => {
      const grace = new Promise((r) => setTimeout(r, 1000).unref())
      void Promise.race([Promise.all([drained(child.stdout!), drained(child.stderr!)]), grace]).then(() => resolve(result(argv, code, signal, stdout, stderr, output)))
    }),
  )
  return {
    child,
    done,
    output: () => output,
    waitForOutput: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(output)
          if (m) finish(() => resolve(m))
        }
        const timer = setTimeout(() => finish(() => reject(new Error(`warden ${argv.join(' ')} printed no ${pattern} within ${timeoutMs} ms:\n${output}`))), timeoutMs)
        const finish = (then: () => void) => {
          clearTimeout(timer)
          listeners.delete(check)
          then()
        }
        listeners.add(check)
        void done.then((r) => finish(() => reject(new Error(`warden ${argv.join(' ')} exited with ${r.code ?? r.signal} before printing ${pattern}:\n${output}`))))
        check()
      }),
  }
}

/** Runs `warden <args>` as its own process, to its exit. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done
}

/** Runs `warden <args> --json` as its own process; `value` is what it printed. */
export async function cliJson<T>(args: string[], options: CliOptions = {}): Promise<CliResult & { value: T }> {
  const r = await runCli([...args, '--json'], options)
  return { ...r, value: r.json<T>() }
}

/** The run, when it exited 0; otherwise an error with the command and what it printed. */
export function succeeded(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`warden ${r.args.join(' ')} exited with ${r.code ?? r.signal}:\n${r.output}`)
  return r
}

/** Runs the CLI's program in this process (no build needed); the output is what it would print. */
export async function runCliInProcess(args: string[], options: Omit<CliOptions, 'env' | 'cwd'> = {}): Promise<CliResult> {
  // Loaded here, not at the top: e2e tests use this file without the app's code.
  const { runCli: run } = await import('../src/main/cli/main')
  const out: string[] = []
  const err: string[] = []
  const all: string[] = []
  const argv = ['--home', homeOf(options), ...(options.workspace ? ['--workspace', options.workspace] : []), ...args]
  const code = await run(argv, {
    out: (s) => {
      out.push(s)
      all.push(s)
    },
    err: (s) => {
      err.push(s)
      all.push(s)
    },
    isTTY: false,
  })
  return result(argv, code, null, out.join('\n'), err.join('\n'), all.join('\n'))
}
