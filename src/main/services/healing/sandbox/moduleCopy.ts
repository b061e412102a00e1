/**
 * A temporary copy of a module to test a patch on, never the module itself. The copy sits at the
 * same relative path under a temporary root, so relative requires between the module's files work;
 * the module's own node_modules and the workspace's are linked, not copied (they can be large, and
 * the patch never changes them: moduleDiffCheck refuses paths in node_modules).
 */
import * as fsp from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'

export interface ModuleLocation {
  name: string
  /** The module folder. */
  absPath: string
  /** Relative to the workspace, forward slashes. */
  relPath: string
  workspaceRoot: string
}

export interface ModuleCopy {
  /** The copy of the module folder. */
  dir: string
  /** The temporary root holding it (removed by dispose). */
  root: string
  dispose(): Promise<void>
}

export async function copyModule(m: ModuleLocation): Promise<ModuleCopy> {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'warden-sandbox-'))
  const dir = path.join(root, ...m.relPath.split('/'))
  const dispose = () => fsp.rm(root, { recursive: true, force: true })
  try {
    const source = path.resolve(m.absPath)
    await fsp.cp(source, dir, {
      recursive: true,
      verbatimSymlinks: true,
      // Top-level node_modules is linked below; .git is history, not something tests read.
      filter: (from) => {
        const rel = path.relative(source, from)
        return rel !== 'node_modules' && rel !== '.git'
      },
    })
    await linkIfPresent(path.join(source, 'node_modules'), path.join(dir, 'node_modules'))
    await linkIfPresent(path.join(m.workspaceRoot, 'node_modules'), path.join(root, 'node_modules'))
    return { dir, root, dispose }
  } catch (error) {
    await dispose()
    throw error
  }
}

async function linkIfPresent(target: string, link: string): Promise<void> {
  const st = await fsp.stat(target).catch(() => null)
  if (st?.isDirectory()) await fsp.symlink(target, link, process.platform === 'win32' ? 'junction' : 'dir')
}
