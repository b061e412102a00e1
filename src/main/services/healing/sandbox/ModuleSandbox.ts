/**
 * Module patches in the sandbox: a temporary copy of the module, its tests run before the diff and
 * after it, each in a child process under the timeout and memory limit of the settings. The real
 * module is only read. Also `check`: one run of a module as it is (the supervisor's module.check).
 */
import * as path from 'node:path'
import type { PatchChange } from '../../../../shared/contract/domains/healing'
import { WardenError } from '../../../../shared/errors'
import type { Workspace } from '../../workspace/Workspace'
import { codeQuality, exportsChanged } from '../fitness'
import type { ProgressReport, SandboxResult, SignalReading } from '../types'
import { checkModuleDiff, writeCheckedDiff, type CheckedDiff } from '../moduleDiffCheck'
import { copyModule, type ModuleLocation } from './moduleCopy'
import { describeRun, runModule, type ModuleRun, type RunLimits } from './moduleRun'
import { runLimited } from './runLimited'
import { SandboxLog } from './SandboxLog'

export interface ModuleSandboxOptions {
  /** The open workspace (throws NO_WORKSPACE when none is open). */
  workspace: () => Workspace
  /** The limits, read at each run: healingSandboxTimeoutSeconds, healingSandboxMemoryMB. */
  limits: () => { timeoutSeconds: number; memoryMB: number }
}

type RunOptions = { signal?: AbortSignal; onProgress?: ProgressReport }

export class ModuleSandbox {
  constructor(private readonly options: ModuleSandboxOptions) {}

  /** Where an active module is (NOT_FOUND when the workspace has no such active module). */
  async locate(name: string): Promise<ModuleLocation> {
    const workspace = this.options.workspace()
    const scan = await workspace.scan({ sizes: false })
    const m = scan.modules.get(name)
    if (!m) throw new WardenError('NOT_FOUND', `No active module named ${name} in ${workspace.root}`, { hint: 'See `warden module list`; a hibernated module is woken first.' })
    return { name: m.name, absPath: m.absPath, relPath: m.relPath, workspaceRoot: workspace.root }
  }

  /** The shared diff checks (the engine calls this before the sandbox): parse, paths inside the module, applies cleanly. */
  async checkDiff(module: string, diff: string, label?: string): Promise<CheckedDiff> {
    const location = await this.locate(module)
    return checkModuleDiff(location.absPath, diff, { label, modulePrefix: location.relPath })
  }

  /** One run of the module as it is, on a copy (its tests, or loading its entry point). */
  async check(module: string, options: RunOptions = {}): Promise<ModuleRun> {
    const location = await this.locate(module)
    options.onProgress?.('copying', null)
    const copy = await copyModule(location)
    try {
      options.onProgress?.('tests', null)
      return await runModule(copy.dir, location.workspaceRoot, this.runLimits(options.signal))
    } finally {
      await copy.dispose()
    }
  }

  async evaluateDiff(change: Extract<PatchChange, { kind: 'module-diff' }>, options: RunOptions = {}): Promise<SandboxResult> {
    const started = Date.now()
    const log = new SandboxLog()
    const location = await this.locate(change.module)
    const checked = await checkModuleDiff(location.absPath, change.diff, { modulePrefix: location.relPath })
    log.line(`Module ${change.module} (${location.relPath}): the diff changes ${checked.files.length} file(s), ${checked.hunks} hunk(s), +${checked.added} −${checked.removed} lines; it applies cleanly.`)
    options.onProgress?.('copying', 0)
    const copy = await copyModule(location)
    try {
      const limits = this.runLimits(options.signal)
      options.onProgress?.('tests before', 0.1)
      const before = await runModule(copy.dir, location.workspaceRoot, limits)
      log.section('Before the patch', describeRun(before, limits), before.output)
      throwIfAborted(options.signal)
      await writeCheckedDiff(copy.dir, checked)
      options.onProgress?.('tests after', 0.55)
      const after = await runModule(copy.dir, location.workspaceRoot, limits)
      // A run the caller cancelled is no verdict on the patch.
      throwIfAborted(options.signal)
      log.section('After the patch', describeRun(after, limits), after.output)
      const syntax = await checkSyntax(copy.dir, checked, limits)
      if (syntax.problems.length) log.section('Syntax', `${syntax.problems.length} changed file(s) do not parse`, syntax.problems.join('\n'))
      const quality = codeQuality({ changedLines: checked.added + checked.removed, scriptsChecked: syntax.checked, scriptsParsed: syntax.checked - syntax.problems.length })
      const changed = before.exports && after.exports ? exportsChanged(before.exports, after.exports) : null
      if (changed !== null && changed > 0) log.line(`Exports changed: ${before.exports!.join(', ') || '(none)'} → ${after.exports!.join(', ') || '(none)'}.`)
      options.onProgress?.('done', 1)
      return {
        passed: after.ok,
        before: { ...readingOf(before), drift: changed === null ? null : 0 },
        after: { ...readingOf(after), drift: changed },
        quality,
        log: log.text(),
        durationMs: Date.now() - started,
      }
    } finally {
      await copy.dispose()
    }
  }

  /** A module action: its tests now (before); what they do after the action is not known here. */
  async evaluateAction(change: Extract<PatchChange, { kind: 'module-action' }>, options: RunOptions = {}): Promise<SandboxResult> {
    const started = Date.now()
    const log = new SandboxLog()
    let before: SignalReading = emptyReading()
    const limits = this.runLimits(options.signal)
    const active = await this.locate(change.module).then(() => true, () => false)
    if (active) {
      const run = await this.check(change.module, options)
      throwIfAborted(options.signal)
      log.section(`Module ${change.module} now`, describeRun(run, limits), run.output)
      before = readingOf(run)
    } else {
      log.line(`Module ${change.module} is not active: nothing to run before the action.`)
    }
    log.line(`After "${change.action}": not measured in the sandbox (the action changes the workspace itself); the readings after are unknown.`)
    return { passed: null, before, after: emptyReading(), quality: 1, log: log.text(), durationMs: Date.now() - started }
  }

  private runLimits(signal?: AbortSignal): RunLimits {
    const { timeoutSeconds, memoryMB } = this.options.limits()
    return { timeoutMs: timeoutSeconds * 1000, memoryMB, signal }
  }
}

/**
 * Readings of a run: its counted tests, or the run itself as one test when nothing was counted (a
 * crash, a timeout, an entry point that throws), so a broken run always counts as a failure.
 */
function readingOf(run: ModuleRun): SignalReading {
  const counts = run.counts ?? (run.ran === 'nothing' ? null : { passed: run.ok ? 1 : 0, failed: run.ok ? 0 : 1 })
  // A run stopped by a limit failed, whatever it printed before.
  const failed = counts && !run.ok && counts.failed === 0 ? 1 : counts?.failed ?? null
  return { phi: null, drift: null, errorRate: null, testsPassed: counts?.passed ?? null, testsFailed: failed }
}

function emptyReading(): SignalReading {
  return { phi: null, drift: null, errorRate: null, testsPassed: null, testsFailed: null }
}

/** `node --check` on each changed script (at most 20), so a diff that breaks the syntax is seen even without tests. */
async function checkSyntax(dir: string, checked: CheckedDiff, limits: RunLimits): Promise<{ checked: number; problems: string[] }> {
  const scripts = checked.files.filter((f) => f.after !== null && /\.[cm]?js$/.test(f.path)).slice(0, 20)
  const problems: string[] = []
  for (const file of scripts) {
    const run = await runLimited(process.execPath, ['--check', path.join(dir, ...file.path.split('/'))], { cwd: dir, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeoutMs: Math.min(limits.timeoutMs, 10_000), memoryMB: limits.memoryMB, outputChars: 4000, signal: limits.signal })
    if (!run.ok) problems.push(`${file.path}: ${run.output.trim().split('\n').slice(0, 6).join('\n')}`)
  }
  return { checked: scripts.length, problems }
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new WardenError('CANCELLED', 'The sandbox run was cancelled')
}
