/**
 * The checks every unified diff to a module passes before anything runs it (a person's .diff file for
 * `healing evaluate`, a drafted fix, a strategy's patch): it parses, every path stays inside the
 * module, and every hunk applies cleanly to the module's current text. The result holds each file's
 * new text, so the sandbox (on its copy) and the engine (on the module) write exactly what was checked.
 */
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { applyPatch, parsePatch, type StructuredPatch, type StructuredPatchHunk } from 'diff'
import { WardenError } from '../../../../shared/errors'

export interface CheckedFile {
  /** Relative to the module, forward slashes. */
  path: string
  op: 'create' | 'modify' | 'delete'
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

/** Folders a diff may not write into: they are not the module's source (and `.git` would be history). */
const FORBIDDEN_TOP = new Set(['node_modules', '.git'])

/**
 * Parses `diff` and checks it against the module folder `moduleDir` (only read). Throws an
 * INVALID_INPUT WardenError naming the file and hunk at fault; `label` names the diff in messages
 * (e.g. the .diff file's name).
 */
export async function checkModuleDiff(moduleDir: string, diff: string, label = 'The patch'): Promise<CheckedDiff> {
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
  const root = path.resolve(moduleDir)
  const seen = new Set<string>()
  const files: CheckedFile[] = []
  for (const patch of patches) {
    const oldName = patch.oldFileName === undefined ? null : stripPrefix(patch.oldFileName, 'a/')
    const newName = patch.newFileName === undefined ? null : stripPrefix(patch.newFileName, 'b/')
    const op: CheckedFile['op'] = oldName === '/dev/null' ? 'create' : newName === '/dev/null' ? 'delete' : 'modify'
    const name = op === 'create' ? newName : oldName
    if (!name || name === '/dev/null') throw invalid(`${label} has a file section without a file name`, 'Each file needs "--- a/FILE" and "+++ b/FILE" lines.')
    if (op === 'modify' && newName !== oldName) throw invalid(`${label} renames ${oldName} to ${newName}`, 'Renames are not applied by Warden: delete the old file and create the new one in the diff.')
    const rel = safeRelative(name, label)
    if (seen.has(rel)) throw invalid(`${label} changes ${rel} twice`, 'Give each file one section in the diff.')
    seen.add(rel)
    if (!patch.hunks.length) throw invalid(`${label}: ${rel} has no hunks`, 'Each file section needs at least one "@@ … @@" hunk.')
    const abs = path.join(root, ...rel.split('/'))
    await refuseLinks(root, rel, label)
    const current = await readText(abs, rel)
    if (op === 'create' && current !== null) throw invalid(`${label} creates ${rel}, but the module already has that file`, 'Diff against the module as it is now (its current files).')
    if (op !== 'create' && current === null) throw invalid(`${label} changes ${rel}, but the module has no such file`, 'Check the path: it is relative to the module folder (a/src/x.js means <module>/src/x.js).')
    const after = applyHunks(current ?? '', patch, rel, label)
    if (op === 'delete' && after !== '') throw invalid(`${label} deletes ${rel} but its hunks leave text in it`, 'A deletion removes every line of the file.')
    const counts = countLines(patch.hunks)
    files.push({ path: rel, op, after: op === 'delete' ? null : after, ...counts })
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

/** Applies the hunks one after the other, so a failure names the first hunk that does not fit. */
function applyHunks(text: string, patch: StructuredPatch, rel: string, label: string): string {
  const whole = applyPatch(text, patch)
  if (whole !== false) return whole
  for (let i = 1; i <= patch.hunks.length; i++) {
    if (applyPatch(text, { ...patch, hunks: patch.hunks.slice(0, i) }) === false) {
      const h = patch.hunks[i - 1]
      throw invalid(
        `${label} does not apply: ${rel}, hunk ${i} of ${patch.hunks.length} (@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@) does not match the module's current text`,
        'The module changed since the diff was made, or the diff was written by hand: make it again against the current files.',
      )
    }
  }
  throw invalid(`${label} does not apply to ${rel}`, 'Make the diff again against the module’s current files.')
}

/** `a/src/x.js` → `src/x.js` (git's prefixes), and a path refused unless it stays inside the module. */
function stripPrefix(name: string, prefix: string): string {
  const trimmed = name.trim()
  return trimmed.startsWith(prefix) ? trimmed.slice(prefix.length) : trimmed
}

function safeRelative(name: string, label: string): string {
  const hint = 'Paths in a module patch are relative to the module folder and stay inside it.'
  if (name.includes('\\')) throw invalid(`${label} names ${JSON.stringify(name)}: backslashes are not allowed in paths`, hint)
  if (path.posix.isAbsolute(name) || path.win32.isAbsolute(name)) throw invalid(`${label} names an absolute path, ${JSON.stringify(name)}`, hint)
  const parts = name.split('/').filter((p) => p !== '' && p !== '.')
  if (!parts.length) throw invalid(`${label} names an empty path`, hint)
  if (parts.includes('..')) throw invalid(`${label} names ${JSON.stringify(name)}, which leaves the module (..)`, hint)
  if (FORBIDDEN_TOP.has(parts[0])) throw invalid(`${label} changes ${parts.join('/')}, inside ${parts[0]}/`, `${parts[0]}/ is not the module's source; Warden patches only the module's own files.`)
  return parts.join('/')
}

/** A patch never writes through a symbolic link (it could lead anywhere on the machine). */
async function refuseLinks(root: string, rel: string, label: string): Promise<void> {
  let abs = root
  for (const part of rel.split('/')) {
    abs = path.join(abs, part)
    const st = await fsp.lstat(abs).catch(() => null)
    if (!st) return
    if (st.isSymbolicLink()) throw invalid(`${label} changes ${rel}, which goes through a symbolic link (${path.relative(root, abs)})`, 'Warden does not patch through links: change the file the link points to, in its own module.')
  }
}

async function readText(abs: string, rel: string): Promise<string | null> {
  const st = await fsp.lstat(abs).catch(() => null)
  if (!st) return null
  if (!st.isFile()) throw invalid(`The patch changes ${rel}, which is not a file in the module`, 'Only files can be patched.')
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
