import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { WardenError } from '../../../shared/errors'
import { fileNameProblem } from '../fs/safePath'
import { walkTree } from './walk'
import { logger } from '../logging/processLog'

const log = logger('workspace')

export const DEFAULT_KINDS = ['commands', 'daemons', 'widgets']

export interface ScannedModule {
  name: string
  kind: string
  type: string
  version: string | null
  description: string | null
  /** Relative to the workspace, forward slashes. */
  relPath: string
  absPath: string
  size: number
  fileCount: number
  /** Names of other workspace modules in `dependencies`. */
  dependencies: string[]
  dependents: string[]
}

export interface WorkspaceScan {
  modules: Map<string, ScannedModule>
  /** Packages we could not read, with the reason (shown by verify and list). */
  problems: Array<{ path: string; message: string }>
}

/** `commands` → `command`: the seed's `type` field. */
export function kindToType(kind: string): string {
  return kind.endsWith('s') ? kind.slice(0, -1) : kind
}

/** A folder of modules: `commands/`, `daemons/`, `widgets/` (kinds configurable in `.warden/config.json`). */
export class Workspace {
  readonly root: string
  readonly kinds: string[]

  private constructor(root: string, kinds: string[]) {
    this.root = root
    this.kinds = kinds
  }

  static async open(folder: string): Promise<Workspace> {
    const root = path.resolve(folder)
    let st
    try {
      st = await fsp.stat(root)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOTDIR') throw new WardenError('INVALID_INPUT', `path: ${root} is not a folder (a part of it is a file)`, { hint: 'Open a folder of modules.' })
      if (code !== 'ENOENT') throw WardenError.from(error)
      throw new WardenError('NOT_FOUND', `Workspace folder ${root} does not exist`, {
        hint: 'Pass an existing folder with --workspace, or create a demo with `warden demo create DIR`.',
      })
    }
    if (!st.isDirectory()) throw new WardenError('INVALID_INPUT', `path: ${root} is not a folder`, { hint: 'Open a folder of modules.' })
    let kinds = DEFAULT_KINDS
    try {
      const config = JSON.parse(await fsp.readFile(path.join(root, '.warden', 'config.json'), 'utf8')) as { kinds?: unknown }
      if (Array.isArray(config.kinds) && config.kinds.every((k) => typeof k === 'string' && !k.startsWith('.') && fileNameProblem(k) === null)) {
        kinds = config.kinds as string[]
      }
    } catch (error) {
      // No config: the default kinds. A config that cannot be read is ignored too, but said.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`Ignored ${path.join(root, '.warden', 'config.json')}: ${(error as Error).message}; using the default kinds`)
    }
    return new Workspace(await fsp.realpath(root), kinds)
  }

  get wardenDir(): string {
    return path.join(this.root, '.warden')
  }
  get hibernationDir(): string {
    return path.join(this.wardenDir, 'hibernation')
  }
  get tmpDir(): string {
    return path.join(this.wardenDir, 'tmp')
  }
  get structureFile(): string {
    return path.join(this.wardenDir, 'structure.json')
  }

  /** Where a module of this kind and name lives: `commands/name` or `commands/@scope/name`. */
  modulePath(kind: string, name: string): string {
    return path.join(this.root, kind, ...name.split('/'))
  }

  async scan(options: { sizes?: boolean } = {}): Promise<WorkspaceScan> {
    const modules = new Map<string, ScannedModule>()
    const problems: WorkspaceScan['problems'] = []
    const candidates: Array<{ kind: string; abs: string; rel: string }> = []
    for (const kind of this.kinds) {
      const kindDir = path.join(this.root, kind)
      let names: string[]
      try {
        names = (await fsp.readdir(kindDir, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name)
      } catch (error) {
        // A kind without a folder has no modules; a folder that cannot be read hides them: say so.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`Cannot list ${kindDir}; its modules are left out`, { err: error })
        continue
      }
      for (const name of names.sort()) {
        if (name.startsWith('@')) {
          const scoped = (await fsp.readdir(path.join(kindDir, name), { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.'))
          for (const s of scoped) candidates.push({ kind, abs: path.join(kindDir, name, s.name), rel: `${kind}/${name}/${s.name}` })
        } else {
          candidates.push({ kind, abs: path.join(kindDir, name), rel: `${kind}/${name}` })
        }
      }
    }
    const packages = await Promise.all(
      candidates.map(async (c) => {
        try {
          const pkg = JSON.parse(await fsp.readFile(path.join(c.abs, 'package.json'), 'utf8')) as Record<string, unknown>
          return { c, pkg }
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
            problems.push({ path: c.rel, message: `package.json cannot be read: ${(error as Error).message}` })
          }
          return null
        }
      }),
    )
    for (const found of packages) {
      if (!found) continue
      const { c, pkg } = found
      const folderName = c.rel.slice(c.kind.length + 1)
      const name = typeof pkg.name === 'string' && pkg.name.trim() ? pkg.name.trim() : folderName
      if (modules.has(name)) {
        problems.push({ path: c.rel, message: `a second module named ${name} (the first is ${modules.get(name)!.relPath})` })
        continue
      }
      const deps = pkg.dependencies && typeof pkg.dependencies === 'object' ? Object.keys(pkg.dependencies) : []
      modules.set(name, {
        name,
        kind: c.kind,
        type: kindToType(c.kind),
        version: typeof pkg.version === 'string' ? pkg.version : null,
        description: typeof pkg.description === 'string' ? pkg.description : null,
        relPath: c.rel,
        absPath: c.abs,
        size: 0,
        fileCount: 0,
        dependencies: deps,
        dependents: [],
      })
    }
    for (const m of modules.values()) {
      m.dependencies = m.dependencies.filter((d) => modules.has(d) && d !== m.name).sort()
      for (const d of m.dependencies) modules.get(d)!.dependents.push(m.name)
    }
    for (const m of modules.values()) m.dependents.sort()
    if (options.sizes !== false) {
      await Promise.all(
        [...modules.values()].map(async (m) => {
          const tree = await walkTree(m.absPath)
          m.size = tree.totalSize
          m.fileCount = tree.fileCount
        }),
      )
    }
    return { modules, problems }
  }

  /** The kind folders and their `@scope` folders: where modules, and Warden's temp folders beside them, live. */
  async moduleParentDirs(): Promise<string[]> {
    const dirs: string[] = []
    for (const kind of this.kinds) {
      const kindDir = path.join(this.root, kind)
      let names: string[]
      try {
        names = (await fsp.readdir(kindDir, { withFileTypes: true })).filter((d) => d.isDirectory() && d.name.startsWith('@')).map((d) => d.name)
      } catch {
        continue // no folder for this kind (a folder that cannot be read is reported by scan)
      }
      dirs.push(kindDir, ...names.map((n) => path.join(kindDir, n)))
    }
    return dirs
  }
}

/** The module plus every module that depends on it, directly or not (the tree `--with-dependents` takes). */
export function dependentClosure(scan: WorkspaceScan, root: string): string[] {
  const seen = new Set<string>([root])
  const queue = [root]
  while (queue.length) {
    const next = queue.shift()!
    for (const d of scan.modules.get(next)?.dependents ?? []) {
      if (!seen.has(d)) {
        seen.add(d)
        queue.push(d)
      }
    }
  }
  return [...seen]
}
