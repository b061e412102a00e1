import { createHash } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import * as tar from 'tar'
import { WardenError } from '../../../shared/errors'
import { fsyncPath, sha256File, tempNameFor } from '../fs/atomic'
import { renameNoReplace, safeChildPath } from '../fs/safePath'
import type { ScannedModule } from '../workspace/Workspace'
import { PACKAGE_PREFIX } from './archive'
import { packageVersionProblem } from './packageName'

export interface NpmPackOutcome {
  path: string
  size: number
  files: string[]
  sha256: string
}

/** npm's tarball name: `@scope/name` 1.0.0 → `scope-name-1.0.0.tgz`. */
export function npmTarballName(name: string, version: string | null): string {
  return `${name.replace(/^@/, '').replace(/\//g, '-')}-${version ?? '0.0.0'}.tgz`
}

/**
 * A distributable tarball made the way `npm pack` makes it: npm's own file list (npm-packlist:
 * `files`, `.npmignore`, `.gitignore`, always package.json/README/LICENSE), entries under `package/`,
 * npm's fixed mtime so the same sources give the same bytes.
 */
export async function npmPack(m: ScannedModule, outDir: string): Promise<NpmPackOutcome> {
  // The version names the tarball; a module woken from someone's .tgz may carry anything there.
  const versionProblem = m.version === null ? null : packageVersionProblem(m.version)
  if (versionProblem) {
    throw new WardenError('INVALID_INPUT', `${m.name} cannot be packed: the version in its package.json (${JSON.stringify(m.version!.slice(0, 120))}) is invalid: ${versionProblem}`, {
      hint: `Nothing was written. Set a version like 1.0.0 in ${m.relPath}/package.json.`,
    })
  }
  const target = safeChildPath(outDir, npmTarballName(m.name, m.version), 'package name and version')
  let files: string[]
  try {
    // npm's packlist machinery takes most of a second to load: only `module pack` pays for it.
    const [{ default: Arborist }, { default: packlist }] = await Promise.all([import('@npmcli/arborist'), import('npm-packlist')])
    const tree = await new Arborist({ path: m.absPath }).loadActual()
    files = (await packlist(tree)).sort()
  } catch (error) {
    throw new WardenError('INVALID_INPUT', `Cannot list the files of ${m.name} the way npm would: ${(error as Error).message}`)
  }
  await fsp.mkdir(outDir, { recursive: true }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new WardenError('INVALID_INPUT', `outDir: ${path.resolve(outDir)} is not a folder (it, or a folder above it, is a file)`, { hint: 'Pack into a folder.' })
    throw error
  })
  const tmp = tempNameFor(target)
  try {
    await tar.create(
      { cwd: m.absPath, prefix: PACKAGE_PREFIX, gzip: { level: 9 }, portable: true, noDirRecurse: true, file: tmp, mtime: new Date('1985-10-26T08:15:00.000Z') },
      files,
    )
    await fsyncPath(tmp)
    const bytes = await fsp.readFile(tmp)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const outcome = { path: target, size: bytes.length, files, sha256 }
    try {
      await renameNoReplace(tmp, target)
    } catch (error) {
      // Packing the same sources again gives the same bytes (npm's fixed mtime): nothing to replace.
      if (error instanceof WardenError && error.code === 'CONFLICT' && (await sha256File(target).catch(() => null)) === sha256) return outcome
      if (error instanceof WardenError && error.code === 'CONFLICT') {
        throw new WardenError('CONFLICT', `${target} already exists with other content; Warden does not overwrite it`, {
          hint: 'Nothing was written. Move or delete that file, or pack into another folder (--out-dir).',
        })
      }
      throw error
    }
    return outcome
  } finally {
    await fsp.rm(tmp, { force: true })
  }
}
