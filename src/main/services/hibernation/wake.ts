import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { WardenError } from '../../../shared/errors'
import { atomicWriteFile, exists, forceRemove, sha256File } from '../fs/atomic'
import { fileNameProblem, safeRelativePath } from '../fs/safePath'
import { inspectArchive, type InspectedArchive } from './archive'
import { NO_LIMITS } from './entryChecks'
import { extractInto } from './extract'
import type { HibernationContext, ProgressFn } from './context'
import { keptDirOf, tempPath } from './hibernate'
import type { StoredVersion } from './HibernationStore'
import { restoreKept, type WakeItem } from './journal'
import { versionFiles } from './names'
import { packageNameProblem, packageVersionProblem } from './packageName'
import { recoverInterrupted } from './recovery'
import { regenerateStructure } from './structure'

export interface WakeRequest {
  name?: string
  at?: number
  from?: string
  fromArchive: boolean
  kind?: string
}

export interface WakeOutcome {
  woken: Array<{ name: string; path: string; fileCount: number; source: string }>
  activeCounts: Record<string, number>
}

interface Planned {
  name: string
  kind: string
  /** Relative target path in the workspace. */
  relPath: string
  archive: string
  version: StoredVersion | null
  inspected?: InspectedArchive
}

/** Pick the version(s) to wake: newest not yet woken (or the one `--at` names) and its group. */
async function planFromStore(ctx: HibernationContext, req: WakeRequest): Promise<Planned[]> {
  const dir = req.fromArchive ? ctx.archiveDir : ctx.workspace.hibernationDir
  const where = req.fromArchive ? 'the archive' : 'hibernation'
  const { versions } = await ctx.store.read(dir, req.fromArchive ? 'archive' : 'hibernation')
  const mine = versions.filter((v) => v.name === req.name)
  if (mine.length === 0) {
    throw new WardenError('NOT_FOUND', `No module named ${req.name} in ${where}`, {
      hint: req.fromArchive ? 'See `warden module list-hibernated` and the Archived tab.' : 'See `warden module list-hibernated`; archived ones wake with --from-archive.',
    })
  }
  let chosen: StoredVersion | undefined
  if (req.at !== undefined) {
    chosen = mine.find((v) => v.at === req.at)
    if (!chosen) throw new WardenError('NOT_FOUND', `${req.name} has no version hibernated at ${req.at}; versions: ${mine.map((v) => v.at).join(', ')}`)
  } else {
    chosen = mine.find((v) => v.wokenAt === null)
    if (!chosen) {
      throw new WardenError('CONFLICT', `${req.name} is not hibernated (its newest version was woken ${new Date(mine[0].wokenAt!).toISOString()})`, {
        hint: `Wake an older version explicitly with --at (versions: ${mine.map((v) => v.at).join(', ')}).`,
      })
    }
  }
  if (!chosen.metadata) throw new WardenError('CHECKSUM_MISMATCH', `${req.name}@${chosen.at} cannot be woken: ${chosen.metadataProblem}`)
  const group = chosen.metadata.group
  const all = [chosen]
  if (group && req.at === undefined) {
    for (const v of versions) {
      if (v !== chosen && v.metadata?.group?.id === group.id && v.wokenAt === null) all.push(v)
    }
  }
  return all.map((v) => ({ name: v.name, kind: v.metadata!.kind, relPath: safeRelPath(ctx, v), archive: v.archivePath, version: v }))
}

/**
 * Where a stored version goes back to: its original folder, if that is a module folder of this
 * workspace (`<kind>/<folder>` or `<kind>/@scope/<folder>`); the metadata is not covered by the
 * archive's checksum, so it is not trusted to name a path.
 */
function safeRelPath(ctx: HibernationContext, v: StoredVersion): string {
  const { originalPath, kind } = v.metadata!
  const parts = originalPath.split('/')
  const folder = parts.slice(1)
  const ok =
    ctx.workspace.kinds.includes(parts[0]) &&
    (folder.length === 1 ? !folder[0].startsWith('@') : folder.length === 2 && folder[0].startsWith('@')) &&
    folder.every((p) => fileNameProblem(p) === null && !p.startsWith('.'))
  if (ok) return originalPath
  if (!ctx.workspace.kinds.includes(kind) || !/^(@[^/]+\/)?[^/@.][^/]*$/.test(v.name) || v.name.split('/').some((p) => fileNameProblem(p) !== null)) {
    throw new WardenError('INVALID_INPUT', `${v.name}@${v.at}: its metadata names neither a safe folder (${JSON.stringify(originalPath)}) nor a kind of this workspace (${kind})`, {
      hint: `Wake it from the file instead: warden module wake --from ${JSON.stringify(v.archivePath)} --kind <kind>`,
    })
  }
  return `${kind}/${v.name}`
}

async function planFromFile(ctx: HibernationContext, req: WakeRequest): Promise<Planned[]> {
  const file = path.resolve(req.from!)
  // Only a regular file is read (a FIFO would block here, holding the lock): see openRegularFile.
  const inspected = await inspectArchive(file)
  const label = path.basename(file)
  const pkgName = typeof inspected.packageJson.name === 'string' ? inspected.packageJson.name : null
  const name = pkgName ?? label.replace(/(\.\d+)?\.(tgz|tar\.gz)$/, '')
  const wardenMeta = inspected.packageJson.warden as { kind?: unknown } | undefined
  const kind = req.kind ?? (typeof wardenMeta?.kind === 'string' ? wardenMeta.kind : ctx.workspace.kinds[0])
  if (!ctx.workspace.kinds.includes(kind)) {
    throw new WardenError('INVALID_INPUT', `Unknown kind ${kind}; this workspace has ${ctx.workspace.kinds.join(', ')}`)
  }
  // The name becomes a folder and the version a file name (module pack): both are checked first.
  const nameProblem = packageNameProblem(name)
  if (nameProblem) {
    throw new WardenError('INVALID_INPUT', `Refused ${label}: its package name ${JSON.stringify(name.slice(0, 240))} is not a valid npm package name: ${nameProblem}`, {
      hint: `Nothing was written. ${pkgName === null ? 'It has no name in package.json, so the file name was used: rename the file.' : 'Ask its author for a package with a valid name (npm would refuse this one too).'}`,
    })
  }
  const version = inspected.packageJson.version
  const versionProblem = version === undefined ? null : packageVersionProblem(version)
  if (versionProblem) {
    throw new WardenError('INVALID_INPUT', `Refused ${label}: the version in its package.json (${JSON.stringify(String(version).slice(0, 120))}) is invalid: ${versionProblem}`, {
      hint: 'Nothing was written. Ask its author for a package with a version like 1.0.0 (npm would refuse this one too).',
    })
  }
  return [{ name, kind, relPath: `${kind}/${name}`, archive: file, version: null, inspected }]
}

/**
 * Wake: verify the checksum, check every entry, extract into a temp folder inside the workspace,
 * then rename into place; the archive is marked woken only after the module is in place. Never
 * overwrites an active module.
 */
export async function wake(ctx: HibernationContext, req: WakeRequest, progress: ProgressFn): Promise<WakeOutcome> {
  const label = req.from ? path.basename(req.from) : req.name!
  return ctx.lock.run(`wake ${label}`, async () => {
    await recoverInterrupted(ctx)
    progress('checking', req.fromArchive ? 'Restoring from archive…' : `Waking ${label} from hibernation…`, 0)
    const plan = req.from ? await planFromFile(ctx, req) : await planFromStore(ctx, req)
    const scan = await ctx.workspace.scan({ sizes: false })
    for (const p of plan) {
      const active = scan.modules.get(p.name)
      if (active) {
        throw new WardenError('CONFLICT', `${p.name} is already active at ${active.relPath}; waking would overwrite it`, {
          hint: `Hibernate the active one first, or compare them with \`warden module diff --name ${p.name}\`.`,
        })
      }
      const target = safeRelativePath(ctx.workspace.root, p.relPath, 'module folder')
      if (await exists(target)) throw new WardenError('CONFLICT', `${p.relPath} already exists; Warden never overwrites it`, { hint: 'Move that folder away first.' })
    }
    await fsp.mkdir(ctx.workspace.tmpDir, { recursive: true })
    const items: WakeItem[] = []
    const staged: Array<{ p: Planned; item: WakeItem; fileCount: number }> = []
    try {
      for (const [index, p] of plan.entries()) {
        const share = (f: number) => (index + f) / plan.length
        if (p.version) {
          progress('verifying', `Verifying checksum of ${path.basename(p.archive)}…`, share(0.05))
          const sha = await sha256File(p.archive)
          if (sha !== p.version.metadata!.checksums.sha256) {
            throw new WardenError('CHECKSUM_MISMATCH', `The archive ${path.basename(p.archive)} does not match its recorded checksum; it was changed or damaged`, {
              hint: 'Nothing was written. Check older versions with `warden module versions` or run `warden module verify`.',
            })
          }
        }
        progress('extracting', `Extracting: ${p.archive}`, share(0.3))
        const target = safeRelativePath(ctx.workspace.root, p.relPath, 'module folder')
        // Beside the target, so placing it is a rename even when the kind folder is another file system.
        await fsp.mkdir(path.dirname(target), { recursive: true })
        const staging = tempPath(path.dirname(target), `wake-${path.basename(target)}`)
        const item: WakeItem = {
          name: p.name,
          staging,
          target,
          wokenMarker: p.version ? p.version.wokenPath : null,
        }
        items.push(item)
        // Every entry is checked again as it is extracted (into a temp folder inside the workspace).
        // Our own archives (checksum matched above) may be as big as the module was; others get the limits.
        const extracted = await extractInto(p.archive, staging, p.version ? { trusted: true, limits: NO_LIMITS } : {})
        if (p.version && extracted.fileCount !== p.version.metadata!.fileCount) {
          throw new WardenError('CHECKSUM_MISMATCH', `Extracted ${extracted.fileCount} files from ${path.basename(p.archive)} but its metadata says ${p.version.metadata!.fileCount}`)
        }
        staged.push({ p, item, fileCount: extracted.fileCount })
      }
    } catch (error) {
      await Promise.all(items.map((i) => forceRemove(i.staging)))
      throw error
    }
    const id = ctx.journal.newId()
    await ctx.journal.begin({ id, op: 'wake', pid: process.pid, startedAt: ctx.now(), items })
    progress('placing', 'Moving into the active tree…', 0.95)
    for (const s of staged) {
      await fsp.mkdir(path.dirname(s.item.target), { recursive: true })
      await fsp.rename(s.item.staging, s.item.target)
    }
    for (const s of staged) {
      const meta = s.p.version?.metadata
      if (meta?.keptAside?.length) {
        await restoreKept(keptDirOf(ctx.workspace.wardenDir, versionFiles('', s.p.name, s.p.version!.at).base), meta.keptAside, s.item.target)
      }
      if (s.item.wokenMarker) await atomicWriteFile(s.item.wokenMarker, JSON.stringify({ wokenAt: ctx.now(), to: s.p.relPath }) + '\n')
      if (s.p.version?.metadata) ctx.usage.restore(ctx.workspace.root, s.p.name, s.p.version.metadata.usage)
    }
    const activeCounts = await regenerateStructure(ctx.workspace)
    await ctx.journal.end(id)
    return {
      woken: staged.map((s) => ({ name: s.p.name, path: s.p.relPath, fileCount: s.fileCount, source: s.p.archive })),
      activeCounts,
    }
  })
}
