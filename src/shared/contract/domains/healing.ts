import { z } from 'zod'
import { defineDomain, defineOperation } from '../operation'
import { ModuleName } from '../schemas'
import { commaList } from './adapters'
import { FsPath } from './common'

/** A patch's id: `p-` and letters/digits (never a path). */
export const PatchId = z.string().trim().regex(/^p-[A-Za-z0-9]{4,40}$/, 'a patch id (p-…, as `warden healing proposals` lists them)')

/** The seeds' five strategies, the drafted fix, the supervisor (Ares), and a patch a person gave (evaluate). */
export const Strategy = z.enum(['basin-drift', 'phi-recovery', 'performance', 'memory-leak', 'error-spike', 'drafted-fix', 'supervisor', 'manual'])
export type Strategy = z.infer<typeof Strategy>

/** What a patch changes. Each kind is applied and rolled back atomically (journalled). */
export const PatchChange = z.discriminatedUnion('kind', [
  /** A unified diff to a module's files (in a git workspace: a commit on `warden/heal-<id>`). */
  z.object({ kind: z.literal('module-diff'), module: ModuleName, diff: z.string().max(1_000_000) }),
  /** Settings: each key from its value then to the new one (rollback restores `from`). */
  z.object({ kind: z.literal('settings'), changes: z.array(z.object({ key: z.string(), from: z.unknown(), to: z.unknown() })).min(1) }),
  /** A persona's generation settings (genome included), or restoring one of its checkpoints. */
  z.object({
    kind: z.literal('persona'),
    persona: z.string(),
    settings: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })).optional(),
    checkpoint: z.string().optional(),
  }),
  /** An action on a model's worker. */
  z.object({ kind: z.literal('worker-action'), model: z.string(), action: z.enum(['recycle', 'restart', 'pin', 'unpin']) }),
  /** An action on a module: hibernate it (or its tree), wake it, or wake an older hibernated version. */
  z.object({ kind: z.literal('module-action'), module: ModuleName, action: z.enum(['hibernate', 'hibernate-tree', 'wake', 'wake-version']), version: z.string().optional() }),
])
export type PatchChange = z.infer<typeof PatchChange>
export type PatchKind = PatchChange['kind']
export const patchKinds = ['module-diff', 'settings', 'persona', 'worker-action', 'module-action'] as const

/** Fitness = 0.4 Φ + 0.3 basin + 0.2 errors + 0.1 quality, each part in [0, 1] (docs/health-metrics.md). */
export const Fitness = z.object({
  score: z.number(),
  parts: z.object({ phi: z.number(), basin: z.number(), errors: z.number(), quality: z.number() }),
  recommendation: z.enum(['apply', 'test_more', 'reject']),
})
export type Fitness = z.infer<typeof Fitness>

export const PatchStatus = z.enum(['evaluating', 'proposed', 'applying', 'applied', 'rejected', 'rolled-back', 'failed'])
export type PatchStatus = z.infer<typeof PatchStatus>

export const Patch = z.object({
  id: z.string(),
  createdAt: z.number(),
  /** The health source or module it is about. */
  source: z.string(),
  strategy: Strategy,
  title: z.string(),
  /** Why: the signals it answers (evidence a person can check). */
  rationale: z.string(),
  change: PatchChange,
  /** The change as a unified diff a person reads (settings and actions too). */
  diff: z.string(),
  status: PatchStatus,
  fitness: Fitness.nullable(),
  /** The sandbox's output (tests run, probe prompts, figures before and after). */
  sandboxLog: z.string(),
  evaluatedAt: z.number().nullable(),
  decidedAt: z.number().nullable(),
  decidedBy: z.enum(['person', 'auto', 'ares']).nullable(),
  appliedAt: z.number().nullable(),
  rolledBackAt: z.number().nullable(),
  /** After it was applied: whether the signals it aimed at improved (null until measured). */
  outcome: z.enum(['success', 'failure']).nullable(),
  error: z.string().nullable(),
})
export type Patch = z.infer<typeof Patch>

export const PhaseGate = z.object({
  phase: z.number(),
  title: z.string(),
  met: z.boolean(),
  /** Each condition with its progress ("812 / 1000 snapshots"). */
  conditions: z.array(z.object({ text: z.string(), met: z.boolean(), progress: z.string() })),
})
export type PhaseGate = z.infer<typeof PhaseGate>

export const HealingStatus = z.object({
  running: z.boolean(),
  intervalMinutes: z.number(),
  lastRunAt: z.number().nullable(),
  nextRunAt: z.number().nullable(),
  autoApply: z.object({ enabled: z.boolean(), kinds: z.array(z.string()), allowed: z.boolean(), why: z.string() }),
  counts: z.object({ proposed: z.number(), applied: z.number(), rolledBack: z.number(), rejected: z.number(), successRate: z.number().nullable() }),
  gates: z.array(PhaseGate),
})
export type HealingStatus = z.infer<typeof HealingStatus>

/** A decision of the supervisor (the seeds' Ares), with its reasons. */
export const SupervisorDecision = z.object({
  at: z.number(),
  module: z.string(),
  action: z.enum(['hibernated', 'proposed', 'ignored', 'reviewed']),
  reasons: z.array(z.string()),
  patchId: z.string().nullable(),
  /** A persona's words about it, when one is named (advisory). */
  assessment: z.string().nullable(),
})
export type SupervisorDecision = z.infer<typeof SupervisorDecision>

const PatchFilter = z.object({
  source: z.string().optional(),
  strategy: Strategy.optional(),
  status: z.enum(['pending', 'applied', 'all']).default('pending'),
  limit: z.number().int().min(1).max(1000).default(100),
})

/** A module failure reported by the running system (or found by `module check`). */
export const ModuleFailure = z.object({
  name: ModuleName,
  message: z.string().trim().min(1, 'a message is required').max(10_000),
  type: z.string().trim().max(200).default('Error'),
  stack: z.string().max(100_000).optional(),
})

/** One module's check: what ran (its tests, loading its entry point, or nothing), what it printed, and the decision a failure led to. */
const ModuleCheckResult = z.object({
  name: z.string(),
  ok: z.boolean(),
  durationMs: z.number(),
  ran: z.enum(['tests', 'entry', 'nothing']),
  output: z.string(),
  decision: SupervisorDecision.nullable(),
})

/** The supervisor (the seeds' Ares): module failures in, decisions out. Runs where the workspace is open. */
export const supervisorOperations = defineDomain(
  { runsIn: 'workspace' },
  {
    'module.reportError': defineOperation({
      summary: 'Report a module failure: an isolated module is hibernated at once (ares), one with dependents becomes a proposal',
      input: ModuleFailure,
      output: SupervisorDecision,
      mutates: true,
      cli: { command: ['module', 'report-error'] },
    }),
    'module.check': defineOperation({
      summary: 'Run a module’s tests (or load its entry point) in the sandbox: one module, or every active one',
      input: z.object({ name: ModuleName.optional() }),
      output: z.object({
        results: z.array(ModuleCheckResult),
        /** Without --name: failed hibernations older than aresReviewAfterHours, tested from their archives. */
        reviewed: z.array(ModuleCheckResult),
      }),
      mutates: true,
      cli: { command: ['module', 'check'] },
    }),
  },
)

/** The self-healing engine: proposals, review, apply and rollback. */
export const healingOperations = defineDomain(
  { runsIn: 'app' },
  {
    'healing.status': defineOperation({
      summary: 'The healing loop (running, interval, last run), auto-apply, counts and the phase gates',
      input: z.object({}),
      output: HealingStatus,
      mutates: false,
      cli: { command: ['healing', 'status'] },
    }),
    'healing.start': defineOperation({
      summary: 'Start the healing loop (every healingIntervalMinutes): look at health, propose patches',
      input: z.object({}),
      output: HealingStatus,
      mutates: true,
      cli: { command: ['healing', 'start'] },
    }),
    'healing.stop': defineOperation({
      summary: 'Stop the healing loop (proposals stay)',
      input: z.object({}),
      output: HealingStatus,
      mutates: true,
      cli: { command: ['healing', 'stop'] },
    }),
    'healing.runOnce': defineOperation({
      summary: 'Run the healing loop once now (look at health, evaluate and propose patches)',
      input: z.object({}),
      output: z.object({ proposed: z.array(z.string()), autoApplied: z.array(z.string()), notes: z.array(z.string()) }),
      mutates: true,
      cli: { command: ['healing', 'run'] },
    }),
    'healing.proposals': defineOperation({
      summary: 'Patches, newest first: pending (default), applied, or all; filter by source and strategy',
      input: PatchFilter,
      output: z.object({ patches: z.array(Patch) }),
      mutates: false,
      cli: { command: ['healing', 'proposals'] },
    }),
    'healing.history': defineOperation({
      summary: 'Healing attempts (applied, rolled back, rejected, failed) and the supervisor’s decisions, newest first',
      input: z.object({ limit: z.number().int().min(1).max(1000).default(100) }),
      output: z.object({ patches: z.array(Patch), decisions: z.array(SupervisorDecision) }),
      mutates: false,
      cli: { command: ['healing', 'history'] },
    }),
    'healing.show': defineOperation({
      summary: 'One patch: its diff, fitness parts and sandbox log',
      input: z.object({ id: PatchId }),
      output: Patch,
      mutates: false,
      cli: { command: ['healing', 'show'], positional: ['id'] },
    }),
    'healing.approve': defineOperation({
      summary: 'Apply a proposed patch (atomic; journalled; reversible with healing rollback)',
      input: z.object({ id: PatchId }),
      output: Patch,
      mutates: true,
      cli: { command: ['healing', 'approve'], positional: ['id'] },
    }),
    'healing.reject': defineOperation({
      summary: 'Reject a proposed patch',
      input: z.object({ id: PatchId, reason: z.string().trim().max(500).optional() }),
      output: Patch,
      mutates: true,
      cli: { command: ['healing', 'reject'], positional: ['id'] },
    }),
    'healing.rollback': defineOperation({
      summary: 'Undo an applied patch (atomic; journalled)',
      input: z.object({ id: PatchId }),
      output: Patch,
      mutates: true,
      cli: { command: ['healing', 'rollback'], positional: ['id'] },
    }),
    'healing.evaluate': defineOperation({
      summary: 'Evaluate a unified diff to a module in the sandbox (its tests on a copy) and propose it with its fitness (the seeds’ evaluate-patch)',
      input: z.object({
        module: ModuleName,
        /** A .diff file (CLI), or the diff's text (API). */
        patch: FsPath('a .diff file is required').optional(),
        diff: z.string().max(1_000_000).optional(),
        /** The seeds' `new_code`: the new text of the module's entry file (its package.json `main`), made a diff. */
        newCode: z.string().max(1_000_000).optional(),
      }),
      output: Patch,
      mutates: true,
      cli: { command: ['healing', 'evaluate'] },
      paths: { patch: true },
    }),
    'healing.autoApply': defineOperation({
      summary: 'Let the loop apply patches above the threshold on its own, for the kinds named (only once phase gate 3 is met)',
      // On the CLI: `--enabled --kinds settings,worker-action` switches it on, no flag off.
      input: z.object({
        enabled: z.boolean().default(false),
        kinds: commaList('kinds', patchKinds.length)
          .pipe(z.array(z.enum(patchKinds, { error: `each kind is one of ${patchKinds.join(', ')}` })))
          .optional(),
      }),
      output: HealingStatus,
      mutates: true,
      cli: { command: ['healing', 'auto-apply'] },
    }),
    'healing.draftFix': defineOperation({
      summary: 'Ask a persona to propose a diff for a failing module from its test output; it is evaluated like any patch',
      input: z.object({ module: ModuleName, persona: z.string().min(1).max(64) }),
      output: Patch,
      mutates: true,
      cli: { command: ['healing', 'draft-fix'] },
    }),
  },
)
