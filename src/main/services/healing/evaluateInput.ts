import { createTwoFilesPatch } from 'diff'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import type { z } from 'zod'
import type { healingOperations } from '../../../shared/contract/domains/healing'
import { WardenError } from '../../../shared/errors'
import type { Workspace } from '../workspace/Workspace'

type EvaluateInput = z.output<(typeof healingOperations)['healing.evaluate']['input']>

/** A diff file given to `healing evaluate` is read up to this size (the contract's limit on a diff). */
const MAX_DIFF_BYTES = 1_000_000

/** The diff `healing evaluate` was given: a .diff file, its text, or (the seeds' `new_code`) the entry file's new text. */
export async function diffOfInput(input: EvaluateInput, workspace: () => Workspace): Promise<string> {
  const given = [input.patch, input.diff, input.newCode].filter((x) => x !== undefined).length
  if (given !== 1) {
    throw new WardenError('INVALID_INPUT', 'Give the patch as a .diff file (--patch FILE), as its text (diff), or as the new text of the module’s entry file (newCode): exactly one of them')
  }
  let diff = input.diff ?? ''
  if (input.newCode !== undefined) diff = await entryFileDiff(workspace(), input.module, input.newCode)
  if (input.patch !== undefined) {
    const stat = await fsp.stat(input.patch).catch(() => null)
    if (!stat?.isFile()) throw new WardenError('NOT_FOUND', `No file ${input.patch}`, { hint: 'Give a unified diff file, as `git diff > fix.diff` writes it.' })
    if (stat.size > MAX_DIFF_BYTES) throw new WardenError('INVALID_INPUT', `${input.patch} is ${stat.size} bytes; a patch is at most ${MAX_DIFF_BYTES}`)
    diff = await fsp.readFile(input.patch, 'utf8')
  }
  if (!diff.trim()) throw new WardenError('INVALID_INPUT', 'The patch is empty: give a unified diff')
  return diff
}

/** The seeds' `new_code` as a diff: the module's entry file (package.json `main`, else index.js) replaced. */
async function entryFileDiff(workspace: Workspace, module: string, newCode: string): Promise<string> {
  const found = (await workspace.scan({ sizes: false })).modules.get(module)
  if (!found) throw new WardenError('NOT_FOUND', `No active module named ${module}`, { hint: 'See the active modules with `warden module list`.' })
  const pkg = JSON.parse(await fsp.readFile(path.join(found.absPath, 'package.json'), 'utf8').catch(() => '{}')) as { main?: unknown }
  const entry = (typeof pkg.main === 'string' && pkg.main.trim() ? pkg.main.trim() : 'index.js').replace(/^\.\//, '')
  const old = await fsp.readFile(path.join(found.absPath, ...entry.split('/')), 'utf8').catch(() => null)
  const text = newCode.endsWith('\n') ? newCode : `${newCode}\n`
  const diff = old === null ? createTwoFilesPatch('/dev/null', `b/${entry}`, '', text) : createTwoFilesPatch(`a/${entry}`, `b/${entry}`, old, text)
  return diff.replace(/^(Index: .*\n)?=+\n/, '')
}
