import * as fsp from 'node:fs/promises'
import { atomicWriteFile } from '../fs/atomic'
import type { Workspace } from '../workspace/Workspace'

/**
 * Regenerate `.warden/structure.json` (the active modules by kind, what the running system loads)
 * and return the count per kind. It is derived from the tree, so it is written atomically but not fsynced.
 */
export async function regenerateStructure(workspace: Workspace): Promise<Record<string, number>> {
  const scan = await workspace.scan({ sizes: false })
  const kinds: Record<string, Array<{ name: string; version: string | null; path: string }>> = {}
  for (const kind of workspace.kinds) kinds[kind] = []
  for (const m of scan.modules.values()) kinds[m.kind].push({ name: m.name, version: m.version, path: m.relPath })
  const counts: Record<string, number> = {}
  for (const [kind, list] of Object.entries(kinds)) {
    list.sort((a, b) => a.name.localeCompare(b.name))
    counts[kind] = list.length
  }
  await fsp.mkdir(workspace.wardenDir, { recursive: true })
  await atomicWriteFile(workspace.structureFile, JSON.stringify({ formatVersion: 1, generatedAt: Date.now(), counts, kinds }, null, 2) + '\n', { durable: false })
  return counts
}
