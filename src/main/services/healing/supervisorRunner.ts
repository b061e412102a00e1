import { runModule } from './sandbox/moduleRun'

/**
 * The supervisor's module check: "does this module work here now?", answered by the sandbox's run
 * (sandbox/moduleRun.ts: its `test` script, else `node --test` on its test files, else loading its
 * entry point; in its own process group under the time and memory limits), read as the supervisor
 * reports it: one line of why it failed.
 */

export interface ModuleCheckRun {
  ok: boolean
  ran: 'tests' | 'entry' | 'nothing'
  /** What it printed, and (last line) why it stopped when its output does not say. */
  output: string
  /** Why it failed when not by its own output (exit code, a limit); null when it passed. */
  stopped: string | null
  durationMs: number
  timedOut: boolean
}

export interface CheckLimits {
  timeoutMs: number
  memoryMB: number
  signal?: AbortSignal
}

/** Run the module in `dir` (an active module, or one extracted from its archive) against the workspace at `workspaceRoot`. */
export async function runModuleCheck(dir: string, workspaceRoot: string, limits: CheckLimits): Promise<ModuleCheckRun> {
  const run = await runModule(dir, workspaceRoot, limits)
  const stopped =
    run.stoppedBy === 'timeout'
      ? `stopped after ${Math.round(limits.timeoutMs / 1000)} s (healingSandboxTimeoutSeconds)`
      : run.stoppedBy === 'memory'
        ? `stopped over ${limits.memoryMB} MB of memory (healingSandboxMemoryMB)`
        : run.stoppedBy === 'cancelled'
          ? 'cancelled'
          : run.ok
            ? null
            : `exited with code ${run.exitCode ?? 'none'}`
  const output = run.output.trim()
  return { ok: run.ok, ran: run.ran, output: stopped ? `${output}\n${stopped}`.trim() : output, stopped, durationMs: run.durationMs, timedOut: run.stoppedBy === 'timeout' }
}
