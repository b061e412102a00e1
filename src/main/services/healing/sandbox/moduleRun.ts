/**
 * What a module's check runs, and running it: its package.json `test` script; else `node --test`
 * when it has test files; else loading its entry point. Then its entry's export names (what the
 * module offers the rest of the system: a patch that keeps them keeps its "basin").
 */
import * as fsp from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { runLimited, type LimitedRun } from './runLimited'
import { countTests, type TestCounts } from './testCounts'

export interface ModuleRun {
  ran: 'tests' | 'entry' | 'nothing'
  /** The command, as a person would type it. */
  command: string
  ok: boolean
  counts: TestCounts | null
  /** The entry point's export names (sorted); null when it could not be loaded or there is none. */
  exports: string[] | null
  stoppedBy: LimitedRun['stoppedBy']
  exitCode: number | null
  output: string
  durationMs: number
}

export interface RunLimits {
  timeoutMs: number
  memoryMB: number
  signal?: AbortSignal
}

/** npm's placeholder for "no tests" (npm init): not a test suite. */
const NO_TEST_SCRIPT = /no test specified/

/** The file names `node --test` finds on its own (Node 20), outside node_modules. */
const TEST_FILE = /(^|\/)(test(-[^/]*)?\.[cm]?js|[^/]*[._-]test\.[cm]?js|test\/[^/]*\.[cm]?js)$/

/** Prints the entry's export names as one marked line, then exits (a daemon's entry would otherwise keep running). */
const LIST_EXPORTS = `
const { pathToFileURL } = require('node:url')
import(pathToFileURL(process.argv[1]).href).then((m) => {
  const names = new Set(Object.keys(m).filter((k) => k !== 'default'))
  const d = m.default
  if (d !== null && (typeof d === 'object' || typeof d === 'function')) for (const k of Object.keys(d)) names.add(k)
  else if (d !== undefined && !names.size) names.add('(default ' + typeof d + ')')
  process.stdout.write('\\nWARDEN_EXPORTS ' + JSON.stringify([...names].sort()) + '\\n', () => process.exit(0))
}, (error) => {
  process.stderr.write(String((error && error.stack) || error) + '\\n', () => process.exit(1))
})`

/** Runs the module's tests (or loads its entry) in `dir`, a copy of the module. */
export async function runModule(dir: string, workspaceRoot: string, limits: RunLimits): Promise<ModuleRun> {
  // A home of its own for the run: a test that reads ~ (or npm's cache and config) finds an empty
  // folder, not the person's home where Warden keeps its data and the server's token.
  const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'warden-sandbox-home-'))
  try {
    return await runModuleIn(dir, workspaceRoot, limits, sandboxEnv(dir, workspaceRoot, home))
  } finally {
    await fsp.rm(home, { recursive: true, force: true }).catch(() => undefined)
  }
}

async function runModuleIn(dir: string, workspaceRoot: string, limits: RunLimits, env: NodeJS.ProcessEnv): Promise<ModuleRun> {
  const pkg = await readPackage(dir)
  const entry = await entryOf(dir, pkg)
  const script = typeof pkg.scripts?.test === 'string' && !NO_TEST_SCRIPT.test(pkg.scripts.test) ? pkg.scripts.test : null
  const options = { cwd: dir, env, timeoutMs: limits.timeoutMs, memoryMB: limits.memoryMB, signal: limits.signal }
  let ran: ModuleRun['ran']
  let command: string
  let run: LimitedRun
  if (script) {
    ran = 'tests'
    command = script
    run = await runLimited(process.platform === 'win32' ? 'cmd.exe' : '/bin/sh', process.platform === 'win32' ? ['/d', '/s', '/c', script] : ['-c', script], options)
  } else if (await hasTestFiles(dir)) {
    ran = 'tests'
    command = 'node --test'
    run = await runLimited(process.execPath, ['--test', '--test-reporter=tap'], options)
  } else if (entry) {
    ran = 'entry'
    command = `node (load ${path.relative(dir, entry)})`
    run = await runLimited(process.execPath, ['-e', LIST_EXPORTS, entry], options)
    return { ran, command, ok: run.ok, counts: null, exports: exportsIn(run.output), stoppedBy: run.stoppedBy, exitCode: run.exitCode, output: run.output, durationMs: run.durationMs }
  } else {
    return { ran: 'nothing', command: '', ok: true, counts: null, exports: null, stoppedBy: null, exitCode: null, output: 'The module has no test script, no test files and no entry point: nothing to run.', durationMs: 0 }
  }
  let exports: string[] | null = null
  let durationMs = run.durationMs
  if (entry && !run.stoppedBy) {
    const listed = await runLimited(process.execPath, ['-e', LIST_EXPORTS, entry], options)
    exports = exportsIn(listed.output)
    durationMs += listed.durationMs
  }
  return { ran, command, ok: run.ok, counts: countTests(run.output), exports, stoppedBy: run.stoppedBy, exitCode: run.exitCode, output: run.output, durationMs }
}

/** A one-paragraph account of a run for the sandbox log. */
export function describeRun(run: ModuleRun, limits: RunLimits): string {
  if (run.ran === 'nothing') return run.output
  const verdict = run.stoppedBy === 'timeout'
    ? `stopped: still running after the ${Math.round(limits.timeoutMs / 1000)} s limit (the whole process group was killed)`
    : run.stoppedBy === 'memory'
      ? `stopped: it went over the ${limits.memoryMB} MB memory limit`
      : run.stoppedBy === 'cancelled'
        ? 'cancelled'
        : run.ok ? 'passed' : `failed (exit code ${run.exitCode ?? 'none'})`
  const counts = run.counts ? `; ${run.counts.passed} passed, ${run.counts.failed} failed` : ''
  const exports = run.exports ? `; exports: ${run.exports.join(', ') || '(none)'}` : ''
  return `$ ${run.command}\n${verdict}${counts}${exports} (${(run.durationMs / 1000).toFixed(1)} s)`
}

interface PackageJson {
  main?: unknown
  scripts?: { test?: unknown }
}

async function readPackage(dir: string): Promise<PackageJson> {
  try {
    const parsed: unknown = JSON.parse(await fsp.readFile(path.join(dir, 'package.json'), 'utf8'))
    return parsed && typeof parsed === 'object' ? (parsed as PackageJson) : {}
  } catch {
    return {}
  }
}

/** `main` (or index.js), when that file exists inside the module. */
async function entryOf(dir: string, pkg: PackageJson): Promise<string | null> {
  const main = typeof pkg.main === 'string' && pkg.main.trim() ? pkg.main.trim() : 'index.js'
  const candidates = [main, `${main}.js`, path.join(main, 'index.js')]
  for (const candidate of candidates) {
    const abs = path.resolve(dir, candidate)
    if (path.relative(dir, abs).startsWith('..')) return null
    const st = await fsp.stat(abs).catch(() => null)
    if (st?.isFile()) return abs
  }
  return null
}

async function hasTestFiles(dir: string): Promise<boolean> {
  const visit = async (abs: string, rel: string, depth: number): Promise<boolean> => {
    if (depth > 8) return false
    const entries = await fsp.readdir(abs, { withFileTypes: true }).catch(() => [])
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) {
        if (await visit(path.join(abs, e.name), r, depth + 1)) return true
      } else if (e.isFile() && TEST_FILE.test(r)) return true
    }
    return false
  }
  return visit(dir, '', 0)
}

function exportsIn(output: string): string[] | null {
  const line = [...output.matchAll(/^WARDEN_EXPORTS (.*)$/gm)].at(-1)?.[1]
  if (!line) return null
  try {
    const parsed: unknown = JSON.parse(line)
    return Array.isArray(parsed) ? parsed.map(String) : null
  } catch {
    return null
  }
}

/** The environment of a sandboxed run: the module's and the workspace's bin folders first; Node behaves as Node (in Electron too). */
function sandboxEnv(dir: string, workspaceRoot: string, home: string): NodeJS.ProcessEnv {
  const bins = [path.join(dir, 'node_modules', '.bin'), path.join(workspaceRoot, 'node_modules', '.bin'), path.dirname(process.execPath)]
  // Warden's own variables (its home, the server's token) are not the module's business.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('WARDEN_')))
  return {
    ...inherited,
    PATH: [...bins, process.env.PATH ?? ''].join(path.delimiter),
    HOME: home,
    USERPROFILE: home,
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    APPDATA: path.join(home, 'AppData', 'Roaming'),
    LOCALAPPDATA: path.join(home, 'AppData', 'Local'),
    ELECTRON_RUN_AS_NODE: '1',
    NODE_ENV: 'test',
    // A sandboxed run must not reach the app's own state.
    WARDEN_SANDBOX: '1',
    // Test output is read by patterns; colours would hide them.
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  }
}
