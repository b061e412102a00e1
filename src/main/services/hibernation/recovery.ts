import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { exists, sha256File } from '../fs/atomic'
import type { HibernationContext } from './context'
import { cleanTemp, recoverEntry } from './journal'
import { regenerateStructure } from './structure'

/**
 * Archives in the hibernation folder without their metadata, whose identical copy (with metadata) is
 * already in the long-term archive: what an archive run cut short between its removals leaves.
 */
export async function archivedLeftovers(ctx: HibernationContext): Promise<string[]> {
  const { orphans } = await ctx.store.read(ctx.workspace.hibernationDir, 'hibernation')
  const out: string[] = []
  for (const orphan of orphans) {
    const copy = path.join(ctx.archiveDir, path.basename(orphan))
    if (!(await exists(copy)) || !(await exists(copy.replace(/\.tgz$/, '.metadata.json')))) continue
    if ((await sha256File(copy)) === (await sha256File(orphan))) out.push(orphan)
  }
  return out
}

/**
 * Run at the start of every change, under the workspace lock: finish or undo what a crashed process
 * left, then remove its temp files. Returns what was done, for `verify --repair` to report.
 */
export async function recoverInterrupted(ctx: HibernationContext): Promise<string[]> {
  const done: string[] = []
  const pending = await ctx.journal.pending()
  for (const entry of pending) {
    // One entry that cannot be finished (a permission, a full disk) must not block every other
    // operation: it is reported and tried again next time.
    try {
      done.push(...(await recoverEntry(entry)))
      await ctx.journal.end(entry.id)
    } catch (error) {
      done.push(`could not yet finish the interrupted ${entry.op} of ${entry.items.map((i) => i.name).join(', ')}: ${(error as Error).message} (tried again on the next change)`)
    }
  }
  if (pending.length) await regenerateStructure(ctx.workspace)
  for (const orphan of await archivedLeftovers(ctx)) {
    await fsp.rm(orphan)
    done.push(`removed ${path.basename(orphan)}, left behind by an interrupted archive run (a verified copy is in the archive)`)
  }
  const removed = await cleanTemp([
    ctx.workspace.tmpDir,
    ctx.workspace.hibernationDir,
    ctx.workspace.wardenDir,
    path.join(ctx.workspace.wardenDir, 'journal'),
    ctx.archiveDir,
    // Trash and staging folders live beside the modules (a rename never crosses file systems).
    ...(await ctx.workspace.moduleParentDirs()),
  ])
  for (const r of removed) done.push(`removed leftover temp file ${path.relative(ctx.workspace.root, r)}`)
  return done
}
