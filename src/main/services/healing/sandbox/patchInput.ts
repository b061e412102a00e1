/** The diff of `healing evaluate`: a .diff file (the CLI) or its text (the API), exactly one of them. */
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { WardenError } from '../../../../shared/errors'

/** The contract's limit on a diff's text (healing.evaluate's `diff`, PatchChange's `diff`). */
export const MAX_DIFF_BYTES = 1_000_000

export async function readPatchInput(input: { patch?: string; diff?: string }): Promise<{ diff: string; label: string }> {
  if (input.patch !== undefined && input.diff !== undefined) throw new WardenError('INVALID_INPUT', 'Give the patch as a file (patch) or as text (diff), not both', { hint: 'warden healing evaluate --module NAME --patch FILE.diff' })
  if (input.diff !== undefined) {
    if (!input.diff.trim()) throw new WardenError('INVALID_INPUT', 'The diff is empty', { hint: 'Send a unified diff (diff -u, git diff) of the module’s files.' })
    return { diff: input.diff, label: 'The patch' }
  }
  if (input.patch === undefined) throw new WardenError('INVALID_INPUT', 'A patch is required: a .diff file (patch) or its text (diff)', { hint: 'warden healing evaluate --module NAME --patch FILE.diff' })
  const file = path.resolve(input.patch)
  const name = path.basename(file)
  const st = await fsp.stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new WardenError(error.code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_INPUT', `The patch file ${file} cannot be read: ${error.code === 'ENOENT' ? 'it does not exist' : error.message}`, { hint: 'Give the path of a .diff file (git diff > fix.diff).' })
  })
  if (!st.isFile()) throw new WardenError('INVALID_INPUT', `The patch ${file} is not a file`, { hint: 'Give the path of a .diff file.' })
  if (st.size > MAX_DIFF_BYTES) throw new WardenError('INVALID_INPUT', `The patch file ${name} is ${st.size} bytes; at most ${MAX_DIFF_BYTES} are accepted`, { hint: 'A patch a person can review is small: split it.' })
  const diff = await fsp.readFile(file, 'utf8')
  if (!diff.trim()) throw new WardenError('INVALID_INPUT', `The patch file ${name} is empty`, { hint: 'Write it with git diff or diff -u.' })
  return { diff, label: `The patch file ${name}` }
}
