import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import type { Patch, PatchChange } from '../../../../shared/contract/domains/healing'
import { WardenError } from '../../../../shared/errors'
import { atomicWriteFile } from '../../fs/atomic'
import { commitApplied, commitRolledBack, requireStatus, type ApplyContext, type Decision } from './context'
import { commitOnBranch, gitTopLevel, healBranch } from './git'
import type { FileChange, HealingJournalEntry } from './journal'
import { checkModuleDiff } from '../moduleDiffCheck'

type ModuleDiff = Extract<PatchChange, { kind: 'module-diff' }>

/** What a module diff's rollback needs: every file before and after, and where it was recorded in git. */
interface DiffUndo {
  files: FileChange[]
  /** The repository's top folder, where the workspace is in one. */
  gitTop: string | null
  applyCommit?: string
  revertCommit?: string
}

/** The module's folder and its path from the workspace root (a diff from the root names it). */
export async function moduleFolder(ctx: ApplyContext, name: string): Promise<{ dir: string; prefix: string }> {
  const workspace = ctx.hibernation().workspace
  const module = (await workspace.scan({ sizes: false })).modules.get(name)
  if (!module) throw new WardenError('NOT_FOUND', `No active module named ${name} in ${workspace.root}`, { hint: 'A patch applies to an active module: wake it first, or reject the patch.' })
  return { dir: module.absPath, prefix: module.relPath.split(path.sep).join('/') }
}

/**
 * The diff checked against the module (the same check as the sandbox's, moduleDiffCheck.ts) and every
 * file's content before and after, nothing written. A diff that no longer fits the module is a CONFLICT.
 */
export async function planModuleDiff(moduleDir: string, modulePrefix: string, diff: string): Promise<FileChange[]> {
  const checked = await checkModuleDiff(moduleDir, diff, { modulePrefix, mismatch: 'CONFLICT' })
  return checked.files.map((f) => ({ abs: f.abs, rel: f.path, before: f.before, after: f.after }))
}

/** The files of `files` whose content is not `expect`'s now (before a rollback: edited since the apply). */
async function filesDiffering(files: FileChange[], expect: 'before' | 'after'): Promise<string[]> {
  const differing: string[] = []
  for (const f of files) {
    const now = await fsp.readFile(f.abs, 'utf8').catch(() => null)
    if (now !== f[expect]) differing.push(f.rel)
  }
  return differing
}

/** Write each file's `which` content (absent: remove it), each atomically. */
async function writeFiles(files: FileChange[], which: 'before' | 'after'): Promise<void> {
  for (const f of files) {
    const content = f[which]
    if (content === null) {
      // Absent already (also where a parent is not a folder: a write cut short never made it one).
      await fsp.rm(f.abs).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') throw error
      })
    }
    else {
      await fsp.mkdir(path.dirname(f.abs), { recursive: true })
      await atomicWriteFile(f.abs, content)
    }
  }
}

/** Record the files' `which` contents on the patch's branch (git workspaces); returns the commit. */
async function record(undo: DiffUndo, patch: Patch, which: 'before' | 'after', message: string): Promise<string | undefined> {
  if (!undo.gitTop) return undefined
  const files = undo.files.map((f) => ({ path: path.relative(undo.gitTop!, f.abs).split(path.sep).join('/'), content: f[which] }))
  return commitOnBranch(undo.gitTop, healBranch(patch.id), files, message)
}

const applyMessage = (patch: Patch) => `Warden healing ${patch.id}: ${patch.title}\n\n${patch.rationale}\n\nApplied from patch ${patch.id} (strategy ${patch.strategy}).`
const revertMessage = (patch: Patch) => `Revert Warden healing ${patch.id}: ${patch.title}\n\nRolled back patch ${patch.id}.`

/**
 * A unified diff to a module: checked and computed first (nothing written if any file does not
 * apply), journalled with every file's content before and after, written file by file, committed
 * with the status in SQLite, then recorded as a commit on `warden/heal-<id>` where the workspace is
 * a git repository (never moving the person's checked-out branch).
 */
export async function applyModuleDiff(ctx: ApplyContext, patch: Patch, change: ModuleDiff, decision: Decision): Promise<Patch> {
  requireStatus(ctx, patch.id, 'proposed', 'applied')
  const { dir, prefix } = await moduleFolder(ctx, change.module)
  const files = await planModuleDiff(dir, prefix, change.diff)
  const undo: DiffUndo = { files, gitTop: await gitTopLevel(dir) }
  await ctx.journal.write({ patchId: patch.id, op: 'apply', pid: process.pid, startedAt: ctx.now(), files })
  const applied = await undoneOnError(ctx, patch.id, files, 'before', async () => {
    await writeFiles(files, 'after')
    return commitApplied(ctx, patch, decision, { ...undo })
  })
  await finishApply(ctx, applied, undo)
  return ctx.store.require(patch.id)
}

/**
 * Run the writes and the commit; if they fail (a full disk, a file locked), put every file back
 * as `restore` says at once, rather than at the next start-up, and end the journal entry. Should
 * that fail too, the entry stays and recovery tries again.
 */
async function undoneOnError(ctx: ApplyContext, patchId: string, files: FileChange[], restore: 'before' | 'after', work: () => Promise<Patch>): Promise<Patch> {
  try {
    return await work()
  } catch (error) {
    await writeFiles(files, restore)
    await ctx.journal.end(patchId)
    throw error
  }
}

async function finishApply(ctx: ApplyContext, patch: Patch, undo: DiffUndo): Promise<void> {
  if (undo.gitTop && !undo.applyCommit) {
    undo.applyCommit = await record(undo, patch, 'after', applyMessage(patch))
    ctx.store.setUndo(patch.id, { ...undo })
  }
  await ctx.journal.end(patch.id)
}

export async function rollbackModuleDiff(ctx: ApplyContext, patch: Patch, decision: Decision): Promise<Patch> {
  requireStatus(ctx, patch.id, 'applied', 'rolled back')
  const undo = ctx.store.undoOf(patch.id) as DiffUndo | null
  if (!undo?.files) throw new WardenError('INTERNAL', `Patch ${patch.id} has no record of the files it changed, so it cannot be rolled back`)
  const edited = await filesDiffering(undo.files, 'after')
  if (edited.length) {
    throw new WardenError('CONFLICT', `Cannot roll back ${patch.id}: ${edited.join(', ')} changed since it was applied`, { hint: 'Nothing was changed. Those edits are someone else’s: undo the patch by hand where you want to keep them.' })
  }
  // The journal's `after` is what this operation writes: the contents from before the apply.
  const reversed = undo.files.map((f) => ({ ...f, before: f.after, after: f.before }))
  await ctx.journal.write({ patchId: patch.id, op: 'rollback', pid: process.pid, startedAt: ctx.now(), files: reversed })
  const rolledBack = await undoneOnError(ctx, patch.id, undo.files, 'after', async () => {
    await writeFiles(undo.files, 'before')
    return commitRolledBack(ctx, patch, decision)
  })
  await finishRollback(ctx, rolledBack, undo)
  return ctx.store.require(patch.id)
}

async function finishRollback(ctx: ApplyContext, patch: Patch, undo: DiffUndo): Promise<void> {
  if (undo.gitTop && !undo.revertCommit) {
    undo.revertCommit = await record(undo, patch, 'before', revertMessage(patch))
    ctx.store.setUndo(patch.id, { ...undo })
  }
  await ctx.journal.end(patch.id)
}

/**
 * After a crash: an operation whose status was committed is finished (its files written again, its
 * git commit made); one that was not is undone (every file back as it was before).
 */
export async function recoverModuleDiff(ctx: ApplyContext, entry: HealingJournalEntry, patch: Patch | null): Promise<string> {
  const files = entry.files ?? []
  const committed = patch !== null && patch.status === (entry.op === 'apply' ? 'applied' : 'rolled-back')
  if (!committed || !patch) {
    await writeFiles(files, 'before')
    await ctx.journal.end(entry.patchId)
    return `undid the interrupted ${entry.op} of ${entry.patchId} (${files.map((f) => f.rel).join(', ')} as before)`
  }
  await writeFiles(files, 'after')
  const undo = (ctx.store.undoOf(patch.id) as DiffUndo | null) ?? { files, gitTop: null }
  if (entry.op === 'apply') await finishApply(ctx, patch, undo)
  else await finishRollback(ctx, patch, undo)
  return `finished the interrupted ${entry.op} of ${entry.patchId}`
}
