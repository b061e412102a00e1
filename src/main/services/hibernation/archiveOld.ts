import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { WardenError } from '../../../shared/errors'
import { exists, fsyncDir, fsyncPath, sha256File, tempNameFor } from '../fs/atomic'
import { renameNoReplace, safeChildPath } from '../fs/safePath'
import type { HibernationContext, ProgressFn } from './context'
import { recoverInterrupted } from './recovery'

const DAY = 24 * 60 * 60 * 1000

export interface ArchiveOutcome {
  archived: Array<{ name: string; size: number; hibernatedAt: number; path: string }>
  totalArchiveSize: number
  archiveDir: string
}

/**
 * Copy to a temp name at the destination, fsync, compare checksums, rename. The source stays. A
 * file already there is kept: fine if it is the same (an earlier run was interrupted), an error if not.
 */
async function copyVerified(source: string, target: string): Promise<void> {
  if (await exists(target)) {
    if ((await sha256File(target)) === (await sha256File(source))) return
    throw new WardenError('CONFLICT', `${target} already exists in the archive with different content; nothing was moved`, {
      hint: 'Two workspaces hibernated a module of the same name in the same millisecond? Move one of the files aside.',
    })
  }
  const tmp = tempNameFor(target)
  try {
    await fsp.copyFile(source, tmp)
    await fsyncPath(tmp)
    const [a, b] = await Promise.all([sha256File(source), sha256File(tmp)])
    if (a !== b) throw new Error(`the copy of ${source} does not match the original`)
    await renameNoReplace(tmp, target)
  } catch (error) {
    await fsp.rm(tmp, { force: true })
    throw error
  }
}

/**
 * Move hibernations older than N days to `$WARDEN_HOME/module-archive/`: copy archive, woken marker
 * and metadata there (verified), and only then remove the originals, metadata first. A crash leaves
 * a version in both places at worst, never in neither.
 */
export async function archiveOld(ctx: HibernationContext, olderThanDays: number, progress: ProgressFn): Promise<ArchiveOutcome> {
  return ctx.lock.run('archive', async () => {
    await recoverInterrupted(ctx)
    progress('scanning', `Archiving hibernations older than ${olderThanDays} days…`, 0)
    const { versions } = await ctx.store.read(ctx.workspace.hibernationDir, 'hibernation')
    const cutoff = ctx.now() - olderThanDays * DAY
    const old = versions.filter((v) => v.at < cutoff && v.metadata && v.archiveSize !== null)
    await fsp.mkdir(ctx.archiveDir, { recursive: true })
    const archived: ArchiveOutcome['archived'] = []
    for (const [i, v] of old.entries()) {
      progress('moving', `Moving ${v.name} (${v.at}) to ${ctx.archiveDir}`, i / Math.max(1, old.length))
      const dest = (p: string) => safeChildPath(ctx.archiveDir, path.basename(p), 'archive file name')
      await copyVerified(v.archivePath, dest(v.archivePath))
      if (v.wokenAt !== null) await copyVerified(v.wokenPath, dest(v.wokenPath))
      await copyVerified(v.metadataPath, dest(v.metadataPath))
      await fsyncDir(ctx.archiveDir)
      await fsp.rm(v.metadataPath)
      await fsp.rm(v.wokenPath, { force: true })
      await fsp.rm(v.archivePath)
      archived.push({ name: v.name, size: v.archiveSize!, hibernatedAt: v.at, path: dest(v.archivePath) })
    }
    await fsyncDir(ctx.workspace.hibernationDir)
    const inArchive = await ctx.store.read(ctx.archiveDir, 'archive')
    ctx.store.index(inArchive.versions, ctx.workspace.root)
    ctx.store.pruneIndex()
    const totalArchiveSize = inArchive.versions.reduce((sum, v) => sum + (v.archiveSize ?? 0), 0)
    return { archived, totalArchiveSize, archiveDir: ctx.archiveDir }
  })
}

