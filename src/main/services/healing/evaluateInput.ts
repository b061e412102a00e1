/**
 * The diff `healing evaluate` was given, read before anything runs: a .diff file (the CLI), its text
 * (the API), or (the seeds' `new_code`) the new text of the module's entry file; exactly one of them.
 * The one reader of that input (the engine and the sandbox's own check use it).
 */
import { createTwoFilesPatch } from 'diff'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { WardenError } from '../../../shared/errors'
import type { Workspace } from '../workspace/Workspace'

/** The contract's limit on a diff's text (healing.evaluate's `diff`, PatchChange's `diff`). */
export const MAX_DIFF_BYTES = 1_000_000

export interface EvaluateInput {
  module: string
  patch?: string
  diff?: string
  newCode?: string
}

const HINT = 'warden healing evaluate --module NAME --patch FILE.diff (or, in the API, the diff\'s text)'

/** The diff's text and a label naming it in messages (`The patch file fix.diff`). */
export async function readEvaluateInput(input: EvaluateInput, workspace: () => Workspace): Promise<{ diff: string; label: string }> {
  const given = (['patch', 'diff', 'newCode'] as const).filter((k) => input[k] !== undefined)
  if (given.length === 0) {
    throw new WardenError('INVALID_INPUT', 'A patch is required: a .diff file (patch), its text (diff), or the new text of the module’s entry file (newCode); give exactly one of them', { hint: HINT })
  }
  if (given.length > 1) {
    throw new WardenError('INVALID_INPUT', `Give the patch one way, not both ${given.join(' and ')}: exactly one of them (a .diff file, its text, or the entry file's new text)`, { hint: HINT })
  }
  if (input.newCode !== undefined) return { diff: nonEmpty(await entryFileDiff(workspace(), input.module, input.newCode), 'The patch'), label: 'The patch' }
  if (input.diff !== undefined) return { diff: nonEmpty(input.diff, 'The patch'), label: 'The patch' }
  const file = path.resolve(input.patch!)
  const name = path.basename(file)
  const st = await fsp.stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new WardenError(error.code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_INPUT', `The patch file ${file} cannot be read: ${error.code === 'ENOENT' ? 'it does not exist' : error.message}`, { hint: 'Give the path of a .diff file (git diff > fix.diff).' })
  })
  if (!st.isFile()) throw new WardenError('INVALID_INPUT', `The patch ${file} is not a file`, { hint: 'Give the path of a .diff file.' })
  if (st.size > MAX_DIFF_BYTES) throw new WardenError('INVALID_INPUT', `The patch file ${name} is ${st.size} bytes; at most ${MAX_DIFF_BYTES} are accepted`, { hint: 'A patch a person can review is small: split it.' })
  return { diff: nonEmpty(await fsp.readFile(file, 'utf8'), `The patch file ${name}`), label: `The patch file ${name}` }
}

function nonEmpty(diff: string, label: string): string {
  if (!diff.trim()) throw new WardenError('INVALID_INPUT', `${label} is empty: give a unified diff`, { hint: 'Write it with git diff or diff -u.' })
  return diff
}

/** The seeds' `new_code` as a diff: the module's entry file (package.json `main`, else index.js) replaced. */
async function entryFileDiff(workspace: Workspace, module: string, newCode: string): Promise<string> {
  const found = (await workspace.scan({ sizes: false })).modules.get(module)
  if (!found) throw new WardenError('NOT_FOUND', `No active module named ${module}`, { hint: 'See the active modules with `warden module list`.' })
  const pkg = await readPackage(path.join(found.absPath, 'package.json'), module)
  const entry = (typeof pkg.main === 'string' && pkg.main.trim() ? pkg.main.trim() : 'index.js').replace(/^\.\//, '')
  const old = await fsp.readFile(path.join(found.absPath, ...entry.split('/')), 'utf8').catch(() => null)
  const text = newCode.endsWith('\n') ? newCode : `${newCode}\n`
  const diff = old === null ? createTwoFilesPatch('/dev/null', `b/${entry}`, '', text) : createTwoFilesPatch(`a/${entry}`, `b/${entry}`, old, text)
  return diff.replace(/^(Index: .*\n)?=+\n/, '')
}

async function readPackage(file: string, module: string): Promise<{ main?: unknown }> {
  const text = await fsp.readFile(file, 'utf8').catch(() => '{}')
  try {
    const pkg: unknown = JSON.parse(text)
    return pkg && typeof pkg === 'object' ? (pkg as { main?: unknown }) : {}
  } catch (error) {
    throw new WardenError('INVALID_INPUT', `Module ${module}'s package.json is not valid JSON (${(error as Error).message}), so its entry file is not known`, { hint: 'Send the change as a unified diff instead, or fix the package.json.' })
  }
}
