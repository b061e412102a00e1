/**
 * The one check of a unified diff to a module, used before anything runs or writes it: by the sandbox
 * (a person's .diff for `healing evaluate`, a drafted fix, a strategy's patch) and by the applier. It
 * parses, every path stays inside the module (no `..`, no absolute path, nothing in `.git` or
 * `node_modules`, no symbolic link on the way), and every hunk applies to the module's current text.
 * The result holds each file's text before and after, so the sandbox (on its copy) and the applier
 * (on the module, journalled) write exactly what was checked.
 */
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { applyPatch, parsePatch, type StructuredPatch, type StructuredPatchHunk } from 'diff'
import { WardenError, type ErrorCode } from '../../../shared/errors'
import { fileNameProblem } from '../fs/safePath'

export interface CheckedFile {
  /** Relative to the module, forward slashes. */
  path: string
  /** Absolute path in the module checked against. */
  abs: string
  op: 'create' | 'modify' | 'delete'
  /** The file's text now (null when the diff creates it). */
  before: string | null
  /** The file's text after the diff (null when it is deleted). */
  after: string | null
  added: number
  removed: number
}

export interface CheckedDiff {
  files: CheckedFile[]
  hunks: number
  /** Lines added and removed over all files. */
  added: number
  removed: number
}

export interface DiffCheckOptions {
  /** Names the diff in messages (e.g. the .diff file's name). */
  label?: string
  /** The module's path from the workspace root: a diff written from the root names files under it. */
  modulePrefix?: string
  /**
   * The code of a diff that does not fit the module's current files (a hunk that does not match, a
   * file created that exists, or changed that does not): bad input when a person gives it to evaluate,
   * a CONFLICT when an approved patch meets a module that changed since.
   */
  mismatch?: Extract<ErrorCode, 'INVALID_INPUT' | 'CONFLICT'>
}

/** Folders a diff may not write into, at any depth: not the module's source (`.git` would be history). */
const FORBIDDEN_PARTS = new Set(['node_modules', '.git'])
const NO_FILE = '/dev/null'

/** Parses `diff` and checks it against the module folder `moduleDir` (only read). Errors name the file and hunk at fault. */
export async function checkModuleDiff(moduleDir: string, diff: string, options: DiffCheckOptions = {}): Promise<CheckedDiff> {
  const label = options.label ?? 'The patch'
  const mismatch = options.mismatch ?? 'INVALID_INPUT'
  if (diff.includes('\0')) throw invalid(`${label} contains a NUL byte`, 'A patch is text: a unified diff (diff -u, git diff).')
  if (/^GIT binary patch$/m.test(diff)) throw invalid(`${label} contains a binary patch`, 'Only text changes can be reviewed and applied; leave binary files out of the diff.')
  let patches: StructuredPatch[]
  try {
    patches = parsePatch(diff)
  } catch (error) {
    throw invalid(`${label} is not a valid unified diff: ${(error as Error).message}`, 'Write it with `diff -u` or `git diff`: "--- a/FILE", "+++ b/FILE", then "@@ … @@" hunks.')
  }
  patches = patches.filter((p) => p.hunks.length > 0 || p.oldFileName !== undefined || p.newFileName !== undefined)
  if (!patches.length || patches.every((p) => p.hunks.length === 0)) {
    throw invalid(`${label} has no hunks: it is not a unified diff, or it changes nothing`, 'A unified diff has "--- a/FILE", "+++ b/FILE" and at least one "@@ -l,s +l,s @@" hunk.')
  }
  // The module's real folder: a workspace reached through a link is still checked by where it is.
  const root = await fsp.realpath(path.resolve(moduleDir))
  const prefix = (options.modulePrefix ?? '').split(path.sep).join('/').replace(/^\/+|\/+$/g, '')
  const seen = new Set<string>()
  const files: CheckedFile[] = []
  for (const patch of patches) {
    const oldName = patch.oldFileName === undefined ? null : innerPath(patch.oldFileName, prefix)
    const newName = patch.newFileName === undefined ? null : innerPath(patch.newFileName, prefix)
    const op: CheckedFile['op'] = oldName === NO_FILE ? 'create' : newName === NO_FILE ? 'delete' : 'modify'
    const name = op === 'create' ? newName : oldName
    if (!name || name === NO_FILE) throw invalid(`${label} has a file section without a file name`, 'Each file needs "--- a/FILE" and "+++ b/FILE" lines.')
    if (op === 'modify' && newName !== oldName) throw invalid(`${label} renames ${oldName} to ${newName}`, 'Renames are not applied by Warden: delete the old file and create the new one in the diff.')
    const rel = safeRelative(name, label)
    if (seen.has(rel)) throw invalid(`${label} changes ${rel} twice`, 'Give each file one section in the diff.')
    seen.add(rel)
    if (!patch.hunks.length) throw invalid(`${label}: ${rel} has no hunks`, 'Each file section needs at least one "@@ … @@" hunk.')
    const abs = path.join(root, ...rel.split('/'))
    await refuseLinks(root, rel, label)
    const before = await readText(abs, rel, label)
    if (op === 'create' && before !== null) throw new WardenError(mismatch, `${label} creates ${rel}, but the module already has that file`, { hint: STALE })
    if (op !== 'create' && before === null) throw new WardenError(mismatch, `${label} changes ${rel}, but the module has no such file`, { hint: 'Check the path: it is relative to the module folder (a/src/x.js means <module>/src/x.js).' })
    const after = applyHunks(before ?? '', patch, rel, label, mismatch)
    if (op === 'delete' && after !== '') throw invalid(`${label} deletes ${rel} but its hunks leave text in it`, 'A deletion removes every line of the file.')
    files.push({ path: rel, abs, op, before, after: op === 'delete' ? null : after, ...countLines(patch.hunks) })
  }
  return {
    files,
    hunks: patches.reduce((n, p) => n + p.hunks.length, 0),
    added: files.reduce((n, f) => n + f.added, 0),
    removed: files.reduce((n, f) => n + f.removed, 0),
  }
}

/** Writes a checked diff into `dir` (the sandbox's copy of the module). */
export async function writeCheckedDiff(dir: string, checked: CheckedDiff): Promise<void> {
  for (const file of checked.files) {
    const abs = path.join(dir, ...file.path.split('/'))
    if (file.after === null) {
      await fsp.rm(abs, { force: true })
    } else {
      await fsp.mkdir(path.dirname(abs), { recursive: true })
      await fsp.writeFile(abs, file.after)
    }
  }
}

const STALE = 'The module changed since the diff was made, or the diff was written by hand: make it again against the current files.'

/** Applies the hunks one after the other, so a failure names the first hunk that does not fit. */
function applyHunks(text: string, patch: StructuredPatch, rel: string, label: string, code: ErrorCode): string {
  const whole = applyPatch(text, patch)
  if (whole !== false) return whole
  for (let i = 1; i <= patch.hunks.length; i++) {
    if (applyPatch(text, { ...patch, hunks: patch.hunks.slice(0, i) }) === false) {
      const h = patch.hunks[i - 1]
      throw new WardenError(code, `${label} does not apply: ${rel}, hunk ${i} of ${patch.hunks.length} (@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@) does not match the module's current text`, { hint: STALE })
    }
  }
  throw new WardenError(code, `${label} does not apply: ${rel}`, { hint: STALE })
}

/** `a/src/x.js` → `src/x.js` (git's prefixes); a path from the workspace root loses the module's own prefix. */
function innerPath(name: string, modulePrefix: string): string {
  let rel = name.trim()
  if (/^[ab]\//.test(rel)) rel = rel.slice(2)
  if (modulePrefix && rel.startsWith(`${modulePrefix}/`)) rel = rel.slice(modulePrefix.length + 1)
  return rel
}

/** The path relative to the module, refused unless it stays inside it and out of .git and node_modules. */
function safeRelative(name: string, label: string): string {
  const hint = 'Paths in a module patch are relative to the module folder and stay inside it.'
  if (name.includes('\\')) throw invalid(`${label} names ${JSON.stringify(name)}: backslashes are not allowed in paths`, hint)
  if (path.posix.isAbsolute(name) || path.win32.isAbsolute(name) || /^[A-Za-z]:/.test(name)) throw invalid(`${label} names an absolute path, ${JSON.stringify(name)}`, hint)
  const parts = name.split('/').filter((p) => p !== '' && p !== '.')
  if (!parts.length) throw invalid(`${label} names an empty path`, hint)
  if (parts.includes('..')) throw invalid(`${label} names ${JSON.stringify(name)}, which leaves the module (..)`, hint)
  for (const part of parts) {
    const problem = fileNameProblem(part)
    if (problem) throw invalid(`${label} names ${JSON.stringify(name)}, which is not a plain path (${problem})`, hint)
    if (FORBIDDEN_PARTS.has(part)) throw invalid(`${label} changes ${parts.join('/')}, inside ${part}/`, `${part}/ is not the module's source; Warden patches only the module's own files.`)
  }
  return parts.join('/')
}

/** A patch never writes through a symbolic link (it could lead anywhere on the machine, or to another module). */
async function refuseLinks(root: string, rel: string, label: string): Promise<void> {
  let abs = root
  for (const part of rel.split('/')) {
    abs = path.join(abs, part)
    const st = await fsp.lstat(abs).catch(() => null)
    if (!st) return
    if (!st.isSymbolicLink()) continue
    const via = path.relative(root, abs)
    const target = await fsp.realpath(abs).catch(() => null)
    const leaves = target === null || !inside(root, target)
    throw invalid(
      leaves
        ? `${label} names ${rel}, which a symbolic link takes out of the module: it goes through a symbolic link (${via})`
        : `${label} changes ${rel}, which goes through a symbolic link (${via})`,
      'Warden does not patch through links: change the file the link points to, in its own module.',
    )
  }
}

/** Whether `p` is inside `dir` (both real paths). */
function inside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p)
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
}

async function readText(abs: string, rel: string, label: string): Promise<string | null> {
  const st = await fsp.lstat(abs).catch(() => null)
  if (!st) return null
  if (!st.isFile()) throw invalid(`${label} changes ${rel}, which is not a file in the module`, 'Only files can be patched.')
  return fsp.readFile(abs, 'utf8')
}

function countLines(hunks: StructuredPatchHunk[]): { added: number; removed: number } {
  let added = 0
  let removed = 0
  for (const h of hunks) {
    for (const line of h.lines) {
      if (line.startsWith('+')) added++
      else if (line.startsWith('-')) removed++
    }
  }
  return { added, removed }
}

function invalid(message: string, hint: string): WardenError {
  return new WardenError('INVALID_INPUT', message, { hint })
}
