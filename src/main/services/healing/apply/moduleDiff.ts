import { applyPatch, parsePatch, type StructuredPatch } from 'diff'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { WardenError } from '../../../../shared/errors'
import { fileNameProblem } from '../../fs/safePath'
import type { FileChange } from './journal'

const NO_FILE = '/dev/null'

/** `a/src/x.js` → `src/x.js` (git's prefixes); a path from the workspace root loses the module's own prefix. */
function innerPath(name: string, modulePrefix: string): string {
  let rel = name.replace(/\t.*$/, '').trim()
  if (/^[ab]\//.test(rel)) rel = rel.slice(2)
  if (modulePrefix && rel.startsWith(`${modulePrefix}/`)) rel = rel.slice(modulePrefix.length + 1)
  return rel
}

function refuse(message: string): WardenError {
  return new WardenError('INVALID_INPUT', message, { hint: 'Nothing was changed. A module patch is a unified diff of files inside that module (paths relative to the module folder, or to the workspace).' })
}

/** Whether `p` is inside `dir` (both real paths). */
function inside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p)
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
}

/** The real path of the nearest part of `p` that exists (a symlinked folder resolves to its target). */
async function nearestReal(p: string): Promise<string> {
  let at = p
  for (;;) {
    try {
      return path.join(await fsp.realpath(at), path.relative(at, p))
    } catch {
      const up = path.dirname(at)
      if (up === at) return p
      at = up
    }
  }
}

async function readIfFile(abs: string, rel: string): Promise<string | null> {
  let stat
  try {
    stat = await fsp.lstat(abs)
  } catch {
    return null
  }
  if (stat.isSymbolicLink()) throw refuse(`The patch changes ${rel}, which is a symbolic link: Warden patches only plain files`)
  if (!stat.isFile()) throw refuse(`The patch changes ${rel}, which is not a file`)
  return fsp.readFile(abs, 'utf8')
}

/**
 * Check a unified diff against a module and compute every file's content before and after, without
 * writing anything: paths must stay inside the module (no `..`, no absolute paths, no `.git`, no
 * symbolic link on the way out of it), and every hunk must apply. Errors name the file.
 */
export async function planModuleDiff(moduleDir: string, modulePrefix: string, diffText: string): Promise<FileChange[]> {
  let patches: StructuredPatch[]
  try {
    patches = parsePatch(diffText)
  } catch (error) {
    throw refuse(`The patch is not a unified diff: ${(error as Error).message}`)
  }
  patches = patches.filter((p) => p.hunks.length > 0 || p.oldFileName || p.newFileName)
  if (patches.length === 0 || patches.every((p) => p.hunks.length === 0)) throw refuse('The patch has no changes (no hunks): give a unified diff, as `git diff` or `diff -u` writes it')
  const realModule = await fsp.realpath(moduleDir)
  const seen = new Set<string>()
  const out: FileChange[] = []
  for (const p of patches) {
    const removes = p.newFileName === NO_FILE
    const creates = p.oldFileName === NO_FILE
    const name = removes ? p.oldFileName : p.newFileName
    if (!name) throw refuse('A file in the patch has no name (a --- / +++ header is missing)')
    const rel = innerPath(name, modulePrefix)
    if (!rel || path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) throw refuse(`The patch names ${JSON.stringify(name)}: only paths inside the module are allowed`)
    const parts = rel.split('/')
    for (const part of parts) {
      const problem = fileNameProblem(part)
      if (problem) throw refuse(`The patch names ${JSON.stringify(name)}, which leaves the module or is not a plain path (${problem})`)
      if (part === '.git') throw refuse(`The patch names ${JSON.stringify(name)}: a module's .git folder is never patched`)
    }
    if (seen.has(rel)) throw refuse(`The patch changes ${rel} twice`)
    seen.add(rel)
    const abs = path.join(realModule, ...parts)
    if (!inside(realModule, await nearestReal(abs))) throw refuse(`The patch names ${rel}, which a symbolic link takes out of the module`)
    const before = await readIfFile(abs, rel)
    if (creates && before !== null) throw new WardenError('CONFLICT', `The patch creates ${rel}, which already exists in the module`, { hint: 'Nothing was changed. The patch was made against another version of the module.' })
    if (!creates && before === null) throw new WardenError('CONFLICT', `The patch changes ${rel}, which is not in the module`, { hint: 'Nothing was changed. The patch was made against another version of the module.' })
    const result = applyPatch(before ?? '', p)
    if (result === false) {
      throw new WardenError('CONFLICT', `The patch does not apply to ${rel}: its lines differ from what the patch expects`, { hint: 'Nothing was changed. The module changed since the patch was made: make it again against the module as it is.' })
    }
    out.push({ abs, rel, before, after: removes ? null : result })
  }
  return out
}

/** Whether each file is exactly as `expect` says (the content after an apply, before a rollback). */
export async function filesDiffering(files: FileChange[], expect: 'before' | 'after'): Promise<string[]> {
  const differing: string[] = []
  for (const f of files) {
    const now = await fsp.readFile(f.abs, 'utf8').catch(() => null)
    if (now !== f[expect]) differing.push(f.rel)
  }
  return differing
}
