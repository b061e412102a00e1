/**
 * The healing engine's Sandbox: each patch kind to the sandbox that can evaluate it — module diffs
 * and module actions to the module sandbox (tests on a temporary copy), settings, persona and worker
 * patches to the probe sandbox (probe prompts on stateless contexts).
 */
import type { PatchDraft, ProgressReport, Sandbox, SandboxResult } from '../types'
import { ModuleSandbox, type ModuleSandboxOptions } from './ModuleSandbox'
import { ProbeSandbox, type ProbeSandboxOptions } from './ProbeSandbox'

export type HealingSandboxOptions = ModuleSandboxOptions & ProbeSandboxOptions

export class HealingSandbox implements Sandbox {
  readonly modules: ModuleSandbox
  readonly probes: ProbeSandbox

  constructor(options: HealingSandboxOptions) {
    this.modules = new ModuleSandbox(options)
    this.probes = new ProbeSandbox(options)
  }

  async check(draft: PatchDraft, label?: string): Promise<void> {
    if (draft.change.kind === 'module-diff') await this.modules.checkDiff(draft.change.module, draft.change.diff, label)
  }

  async checkModule(module: string, signal?: AbortSignal): Promise<{ ok: boolean; ran: 'tests' | 'entry' | 'nothing' }> {
    const run = await this.modules.check(module, { signal })
    return { ok: run.ok, ran: run.ran }
  }

  evaluate(draft: PatchDraft, options: { signal?: AbortSignal; onProgress?: ProgressReport } = {}): Promise<SandboxResult> {
    const change = draft.change
    switch (change.kind) {
      case 'module-diff':
        return this.modules.evaluateDiff(change, options)
      case 'module-action':
        return this.modules.evaluateAction(change, options)
      case 'settings':
      case 'persona':
      case 'worker-action':
        return this.probes.evaluate(change, draft.source, options)
    }
  }
}
