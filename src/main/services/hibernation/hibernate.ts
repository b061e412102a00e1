import { randomBytes } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import type { HibernationMetadata } from '../../../shared/contract/schemas'
import { WardenError } from '../../../shared/errors'
import { atomicWriteFile, exists, fsyncDir, shortLabel, TEMP_MARKER } from '../fs/atomic'
import { renameNoReplace } from '../fs/safePath'
import { dependentClosure, type ScannedModule } from '../workspace/Workspace'
import { treeDigest, walkTree } from '../workspace/walk'
import { checkLinksStayInside, PACKAGE_PREFIX, verifyArchive } from './archive'
import { writeTarGz } from './tarWriter'
import type { HibernationContext, ProgressFn } from './context'
import { gitHead } from './git'
import { finishRemoval, type HibernateItem } from './journal'
import { versionFiles } from './names'
import { recoverInterrupted } from './recovery'
import { regenerateStructure } from './structure'

export interface HibernateRequest {
  name: string
  reason: string
  withDependents: boolean
  hibernatedBy: string
  error?: { type: string; message: string; stack?: string }
}

export interface HibernateOutcome {
  hibernated: Array<{ name: string; archivePath: string; metadataPath: string; size: number; fileCount: number }>
  groupId: string | null
  activeCounts: Record<string, number>
  /** Anything unusual, e.g. a module kept active because it changed while it was being hibernated. */
  notes: string[]
  restoreCommand: string
}

export function tempPath(dir: string, label: string): string {
  // The label is a module or file name: separators and control characters (NUL) never reach the name.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
  return path.join(dir, `${TEMP_MARKER}${shortLabel(label.replace(/[/\\\x00-\x1f]/g, '_'))}.${process.pid}.${randomBytes(4).toString('hex')}`)
}

/**
 * Hibernate a module (or its whole dependent tree): pack each into a temp archive, read it back and
 * compare with the module, move archive then metadata into place (the commit), and only then move
 * the sources out of the active tree. A journal lets the next run finish or undo a crash at any step.
 */
export async function hibernate(ctx: HibernationContext, req: HibernateRequest, progress: ProgressFn): Promise<HibernateOutcome> {
  const { workspace } = ctx
  return ctx.lock.run(`hibernate ${req.name}`, async () => {
    await recoverInterrupted(ctx)
    const scan = await workspace.scan({ sizes: false })
    const root = scan.modules.get(req.name)
    if (!root) {
      throw new WardenError('NOT_FOUND', `No active module named ${req.name} in ${workspace.root}`, {
        hint: 'See the active modules with `warden module list`; a hibernated one is woken with `warden module wake`.',
      })
    }
    const memberNames = req.withDependents ? dependentClosure(scan, req.name) : [req.name]
    if (!req.withDependents && root.dependents.length > 0) {
      throw new WardenError('HAS_DEPENDENTS', `${req.name} has active dependents: ${root.dependents.join(', ')}`, {
        hint: `Hibernate them first, or the whole tree at once with --with-dependents.`,
        details: { dependents: root.dependents },
      })
    }
    const members = memberNames.map((n) => scan.modules.get(n)!)
    const groupId = members.length > 1 ? `${req.name}.${ctx.now()}.${randomBytes(3).toString('hex')}` : null
    const lastWorkingVersion = await gitHead(workspace.root)
    await fsp.mkdir(workspace.hibernationDir, { recursive: true })
    await fsp.mkdir(workspace.tmpDir, { recursive: true })
    let at = ctx.now()
    // A millisecond no file of any member's version uses yet (an archive left without its metadata
    // counts: it may be someone's only copy).
    const taken = async (m: ScannedModule) => {
      const f = versionFiles(workspace.hibernationDir, m.name, at)
      return (await Promise.all([f.archive, f.metadata, f.woken].map(exists))).some(Boolean)
    }
    while ((await Promise.all(members.map(taken))).some(Boolean)) at++

    const prepared: Array<{ m: ScannedModule; tmpArchive: string; item: HibernateItem; metadata: HibernationMetadata; size: number; fileCount: number }> = []
    try {
      for (const [index, m] of members.entries()) {
        const share = (f: number) => (index + f) / members.length
        progress('packing', `Packaging ${m.relPath}…`, share(0))
        const tree = await walkTree(m.absPath)
        const oddName = tree.entries.find((e) => /[\n\r]/.test(e.rel))
        if (oddName) {
          throw new WardenError('INVALID_INPUT', `${m.relPath}/${JSON.stringify(oddName.rel).slice(1, -1)} has a line break in its name, which tar archives cannot carry`, {
            hint: 'Rename that file, then hibernate again. Nothing was changed.',
          })
        }
        checkLinksStayInside(tree)
        const tmpArchive = tempPath(workspace.tmpDir, `${m.name}.tgz`)
        const packed = await writeTarGz(m.absPath, tree, tmpArchive, {
          prefix: PACKAGE_PREFIX,
          gzipLevel: ctx.gzipLevel,
          onProgress: (f, msg) => progress('packing', msg, share(f * 0.7)),
        })
        progress('verifying', `Verifying the archive of ${m.name} against the module…`, share(0.75))
        await verifyArchive(tmpArchive, m.absPath, tree, packed.fileHashes)
        const files = versionFiles(workspace.hibernationDir, m.name, at)
        const usage = ctx.usage.get(workspace.root, m.name)
        const metadata: HibernationMetadata = {
          formatVersion: 1,
          module: m.name,
          type: m.type,
          kind: m.kind,
          version: m.version,
          hibernatedAt: at,
          reason: req.reason,
          ...(req.error && m.name === req.name ? { error: req.error } : {}),
          dependencies: m.dependencies,
          dependents: m.dependents,
          usage,
          lastWorkingVersion,
          hibernatedBy: req.hibernatedBy,
          packageSize: packed.size,
          checksums: { sha256: packed.sha256 },
          originalPath: m.relPath,
          workspace: workspace.root,
          fileCount: tree.fileCount,
          unpackedSize: tree.totalSize,
          leftOut: tree.leftOut,
          keptAside: tree.leftOut.filter((rel) => rel === '.git' || rel.endsWith('/.git')),
          group: groupId ? { id: groupId, root: req.name, members: memberNames } : null,
        }
        prepared.push({
          m,
          tmpArchive,
          metadata,
          size: packed.size,
          fileCount: tree.fileCount,
          item: {
            name: m.name,
            source: m.absPath,
            archive: files.archive,
            metadata: files.metadata,
            // Beside the module, so the move is a rename even when the kind folder is another file system.
            trash: tempPath(path.dirname(m.absPath), `trash-${path.basename(m.absPath)}`),
            digest: treeDigest(tree),
            keep: tree.leftOut.filter((rel) => rel === '.git' || rel.endsWith('/.git')),
            keptDir: keptDirOf(workspace.wardenDir, files.base),
          },
        })
      }
    } catch (error) {
      await Promise.all(prepared.map((p) => fsp.rm(p.tmpArchive, { force: true })))
      throw error
    }

    const id = ctx.journal.newId()
    await ctx.journal.begin({ id, op: 'hibernate', pid: process.pid, startedAt: ctx.now(), items: prepared.map((p) => p.item) })
    progress('committing', 'Saving archives and metadata…', 0.9)
    // Neither an archive nor a metadata file is ever replaced: a name found taken now (a race with
    // another writer) aborts the whole hibernation, and only what this run placed is taken back.
    const placed: string[] = []
    try {
      for (const p of prepared) {
        await renameNoReplace(p.tmpArchive, p.item.archive)
        placed.push(p.item.archive)
        await atomicWriteFile(p.item.metadata, JSON.stringify(p.metadata, null, 2) + '\n', { replace: false })
        placed.push(p.item.metadata)
      }
    } catch (error) {
      for (const f of [...placed.reverse(), ...prepared.map((p) => p.tmpArchive)]) await fsp.rm(f, { force: true })
      await ctx.journal.end(id)
      throw error
    }
    await fsyncDir(workspace.hibernationDir)
    progress('removing', 'Removing from the active tree…', 0.95)
    const notes: string[] = []
    for (const p of prepared) {
      try {
        const outcome = await finishRemoval(p.item)
        if (!outcome.startsWith('finished')) notes.push(outcome)
      } catch (error) {
        // The archive is committed and safe; only taking the folder out failed (e.g. permissions).
        throw new WardenError('CONFLICT', `${p.m.name} was hibernated (${path.basename(p.item.archive)}), but it could not be taken out of the active tree: ${(error as Error).message}`, {
          hint: 'Fix the folder’s permissions, then run `warden module verify --repair` to finish. Nothing was lost.',
        })
      }
      await removeEmptyScopeDir(p.item.source)
    }
    const activeCounts = await regenerateStructure(workspace)
    await ctx.journal.end(id)
    const { versions } = await ctx.store.read(workspace.hibernationDir, 'hibernation')
    ctx.store.index(versions.filter((v) => v.at === at), workspace.root)
    return {
      hibernated: prepared.map((p) => ({ name: p.m.name, archivePath: p.item.archive, metadataPath: p.item.metadata, size: p.size, fileCount: p.fileCount })),
      groupId,
      activeCounts,
      notes,
      restoreCommand: `warden module wake --name ${shellQuote(req.name)}`,
    }
  })
}

/** Where a version's `.git` folders wait while it hibernates. */
export function keptDirOf(wardenDir: string, versionBase: string): string {
  return path.join(wardenDir, 'kept', versionBase)
}

async function removeEmptyScopeDir(source: string): Promise<void> {
  const parent = path.dirname(source)
  if (path.basename(parent).startsWith('@')) await fsp.rmdir(parent).catch(() => undefined)
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}
