import { createHash } from 'node:crypto'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import Arborist from '@npmcli/arborist'
import packlist from 'npm-packlist'
import * as tar from 'tar'
import { WardenError } from '../../../shared/errors'
import { fsyncPath, tempNameFor } from '../fs/atomic'
import type { ScannedModule } from '../workspace/Workspace'
import { PACKAGE_PREFIX } from './archive'

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
  let files: string[]
  try {
    const tree = await new Arborist({ path: m.absPath }).loadActual()
    files = (await packlist(tree)).sort()
  } catch (error) {
    throw new WardenError('INVALID_INPUT', `Cannot list the files of ${m.name} the way npm would: ${(error as Error).message}`)
  }
  await fsp.mkdir(outDir, { recursive: true })
  const target = path.join(path.resolve(outDir), npmTarballName(m.name, m.version))
  const tmp = tempNameFor(target)
  try {
    await tar.create(
      { cwd: m.absPath, prefix: PACKAGE_PREFIX, gzip: { level: 9 }, portable: true, noDirRecurse: true, file: tmp, mtime: new Date('1985-10-26T08:15:00.000Z') },
      files,
    )
    await fsyncPath(tmp)
    const bytes = await fsp.readFile(tmp)
    await fsp.rename(tmp, target)
    return { path: target, size: bytes.length, files, sha256: createHash('sha256').update(bytes).digest('hex') }
  } catch (error) {
    await fsp.rm(tmp, { force: true })
    throw error
  }
}
