import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import type { VerifyProblem } from '../../../shared/contract/schemas'
import { TEMP_MARKER } from '../fs/atomic'
import type { HibernationContext } from './context'
import { archivedLeftovers, recoverInterrupted } from './recovery'

export interface VerifyReport {
  ok: boolean
  checked: { archives: number; activeModules: number }
  problems: VerifyProblem[]
  repaired: string[]
}

/**
 * Check every archive against its metadata checksum (read fresh), every metadata file against the
 * format, the workspace's modules, leftovers of interrupted work, and the index. With `repair`,
 * first finish or undo interrupted work and clean temp files (under the lock).
 */
export async function verifyAll(ctx: HibernationContext, repair: boolean): Promise<VerifyReport> {
  const repaired = repair ? await ctx.lock.run('verify --repair', () => recoverInterrupted(ctx)) : []
  const problems: VerifyProblem[] = []
  const rel = (p: string) => (p.startsWith(ctx.workspace.root) ? path.relative(ctx.workspace.root, p) : p)

  const pending = await ctx.journal.pending()
  const inFlight = new Set<string>()
  for (const entry of pending) {
    for (const item of entry.items) {
      for (const p of Object.values(item)) if (typeof p === 'string') inFlight.add(p)
    }
    problems.push({
      severity: 'warning',
      subject: `interrupted ${entry.op}`,
      message: `${entry.op} of ${entry.items.map((i) => i.name).join(', ')} was interrupted; the next change (or \`warden module verify --repair\`) finishes or undoes it`,
    })
  }

  let archives = 0
  for (const [dir, location] of [
    [ctx.workspace.hibernationDir, 'hibernation'],
    [ctx.archiveDir, 'archive'],
  ] as const) {
    const { versions, orphans } = await ctx.store.read(dir, location)
    const archived = location === 'hibernation' ? new Set(await archivedLeftovers(ctx)) : new Set<string>()
    for (const o of orphans) {
      if (inFlight.has(o)) continue
      if (archived.has(o)) {
        problems.push({ severity: 'warning', subject: rel(o), message: 'left behind by an interrupted archive run; a verified copy is in the archive; the next change (or Repair) removes it' })
        continue
      }
      problems.push({ severity: 'error', subject: rel(o), message: 'archive without its metadata file; wake it with `warden module wake --from FILE`' })
    }
    for (const v of versions) {
      if (location === 'archive' && v.metadata && v.metadata.workspace !== ctx.workspace.root) continue
      archives++
      const problem = await ctx.store.problemOf(v, { fresh: true })
      if (problem) problems.push({ severity: 'error', subject: `${v.name}@${v.at}`, message: `${problem} (${rel(v.archivePath)})` })
    }
    const onDisk = new Set(versions.map((v) => v.archivePath))
    for (const stale of ctx.store.indexedIn(dir, ctx.workspace.root)) {
      if (!onDisk.has(stale)) problems.push({ severity: 'warning', subject: rel(stale), message: 'the index lists this archive but it is gone from disk; `warden doctor` rebuilds the index' })
    }
    ctx.store.index(versions, ctx.workspace.root)
  }
  // Temp files and folders: in .warden and beside the modules (trash and staging folders).
  for (const dir of [ctx.workspace.tmpDir, ctx.workspace.hibernationDir, ctx.archiveDir, ...(await ctx.workspace.moduleParentDirs())]) {
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      const full = path.join(dir, name)
      if (name.startsWith(TEMP_MARKER) && !inFlight.has(full)) {
        problems.push({ severity: 'warning', subject: rel(full), message: 'temp file left by an interrupted operation; the next change (or Repair) removes it' })
      }
    }
  }

  const scan = await ctx.workspace.scan({ sizes: false })
  for (const p of scan.problems) problems.push({ severity: 'error', subject: p.path, message: p.message })

  return { ok: !problems.some((p) => p.severity === 'error'), checked: { archives, activeModules: scan.modules.size }, problems, repaired }
}
