import { spawn } from 'node:child_process'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * The supervisor's module check: a module's tests (its `test` script) or, without tests, loading
 * its entry point, in a child process with a time and heap limit. Small on purpose: the healing
 * sandbox (sandbox/) runs patches on copies; this only answers "does this module work here now?".
 */

export interface ModuleRun {
  ok: boolean
  ran: 'tests' | 'entry' | 'nothing'
  /** What it printed (the last OUTPUT_LIMIT characters), and why it stopped. */
  output: string
  /** Why it failed when not by its own output (exit code, signal, timeout); the last line of `output` then. */
  stopped: string | null
  durationMs: number
  timedOut: boolean
}

export interface RunLimits {
  timeoutMs: number
  /** Heap limit of node processes it starts (NODE_OPTIONS). */
  memoryMB: number
  signal?: AbortSignal
}

const OUTPUT_LIMIT = 8000
/** What `npm init` writes: a script that only says there are no tests. */
const NPM_PLACEHOLDER = /no test specified/

/** Run the module in `dir` (an active module, or one extracted from its archive). */
export async function runModuleCheck(dir: string, limits: RunLimits): Promise<ModuleRun> {
  let pkg: { scripts?: Record<string, unknown>; main?: unknown; type?: unknown } = {}
  try {
    pkg = JSON.parse(await fsp.readFile(path.join(dir, 'package.json'), 'utf8')) as typeof pkg
  } catch (error) {
    return { ok: false, ran: 'nothing', output: `package.json cannot be read: ${(error as Error).message}`, stopped: null, durationMs: 0, timedOut: false }
  }
  const script = typeof pkg.scripts?.test === 'string' ? pkg.scripts.test.trim() : ''
  if (script && !NPM_PLACEHOLDER.test(script)) return { ran: 'tests', ...(await run(script, [], true, dir, limits)) }
  const entry = await entryPoint(dir, pkg.main)
  if (!entry) return { ok: true, ran: 'nothing', output: 'no test script and no entry point: nothing to run', stopped: null, durationMs: 0, timedOut: false }
  // import() loads CommonJS and ES modules alike; the process exits once the module has loaded
  // (a module that starts a server would otherwise run until the timeout).
  const loader = 'import(process.argv[1]).then(() => process.exit(0), (e) => { console.error(e && e.stack || String(e)); process.exit(1) })'
  return { ran: 'entry', ...(await run(process.execPath, ['-e', loader, pathToFileURL(entry).href], false, dir, limits)) }
}

/** `main` (or index.js) when it is a file inside the module. */
async function entryPoint(dir: string, main: unknown): Promise<string | null> {
  const candidates = typeof main === 'string' && main.trim() ? [main, `${main}.js`, path.join(main, 'index.js')] : ['index.js']
  for (const c of candidates) {
    const abs = path.resolve(dir, c)
    if (abs !== dir && !abs.startsWith(dir + path.sep)) continue
    const st = await fsp.stat(abs).catch(() => null)
    if (st?.isFile()) return abs
  }
  return null
}

function run(command: string, args: string[], shell: boolean, cwd: string, limits: RunLimits): Promise<Omit<ModuleRun, 'ran'>> {
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      shell,
      // Its own process group: a timeout ends the script and everything it started.
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        // Warden's own variables (its home, its server's token) are not the module's business.
        ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('WARDEN_'))),
        // In the Electron app, execPath is Electron: run it as Node.
        ELECTRON_RUN_AS_NODE: '1',
        NODE_OPTIONS: `--max-old-space-size=${limits.memoryMB}`,
        PATH: [path.join(cwd, 'node_modules', '.bin'), process.env.PATH ?? ''].join(path.delimiter),
        CI: '1',
      },
    })
    let output = ''
    const add = (d: Buffer) => {
      output += d.toString('utf8')
      if (output.length > 4 * OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT)
    }
    child.stdout!.on('data', add)
    child.stderr!.on('data', add)
    let timedOut = false
    let aborted = false
    const kill = () => {
      try {
        if (child.pid && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL')
        else child.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => {
      timedOut = true
      kill()
    }, limits.timeoutMs)
    const onAbort = () => {
      aborted = true
      kill()
    }
    limits.signal?.addEventListener('abort', onAbort, { once: true })
    const finish = (ok: boolean, note: string | null) => {
      clearTimeout(timer)
      limits.signal?.removeEventListener('abort', onAbort)
      const text = (note ? `${output}\n${note}` : output).trim()
      resolve({ ok, output: text.length > OUTPUT_LIMIT ? `…${text.slice(-OUTPUT_LIMIT)}` : text, stopped: note, durationMs: Date.now() - started, timedOut })
    }
    child.once('error', (error) => finish(false, `could not start: ${error.message}`))
    child.once('close', (code, signal) => {
      if (timedOut) return finish(false, `stopped after ${Math.round(limits.timeoutMs / 1000)} s (healingSandboxTimeoutSeconds)`)
      if (aborted) return finish(false, 'cancelled')
      finish(code === 0, code === 0 ? null : signal ? `ended by ${signal}` : `exited with code ${code}`)
    })
  })
}
