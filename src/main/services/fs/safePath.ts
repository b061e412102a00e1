import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { WardenError } from '../../../shared/errors'

/** Most file systems refuse a longer name (in bytes) for one path component. */
export const MAX_NAME_BYTES = 255

/** Why `name` cannot be one file name inside a folder, or null. */
export function fileNameProblem(name: string): string | null {
  if (name === '') return 'it is empty'
  if (name === '.' || name === '..') return `it is ${JSON.stringify(name)}`
  if (name.includes('/') || name.includes('\\')) return 'it contains a slash or backslash'
  if (name.includes('\0')) return 'it contains a NUL byte'
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `it is longer than ${MAX_NAME_BYTES} bytes`
  return null
}

const show = (s: string) => JSON.stringify(s.length > 120 ? `${s.slice(0, 117)}...` : s)

/**
 * `dir/name` for a name built from data Warden did not choose (a package's name or version, a label,
 * an id): refuses anything that would not stay a direct child of `dir` (separators, `..`, NUL, an
 * over-long name), naming `field` so the person knows which value to fix.
 */
export function safeChildPath(dir: string, name: string, field: string): string {
  const problem = fileNameProblem(name)
  if (problem) {
    throw new WardenError('INVALID_INPUT', `The ${field} ${show(name)} cannot be used as a file name: ${problem}`, {
      hint: 'Nothing was written. Fix that value (it must be a plain name, without path separators or "..").',
    })
  }
  const parent = path.resolve(dir)
  const child = path.join(parent, name)
  // Belt and braces: whatever the platform's rules, the result is a direct child of `dir`.
  if (path.dirname(child) !== parent) throw new WardenError('INVALID_INPUT', `The ${field} ${show(name)} does not stay inside ${parent}`)
  return child
}

/** `root/a/b/c` from a relative path with forward slashes, each part checked as safeChildPath does. */
export function safeRelativePath(root: string, rel: string, field: string): string {
  let at = path.resolve(root)
  for (const part of rel.split('/')) at = safeChildPath(at, part, field)
  return at
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'])

/**
 * Move `from` to `to`, refusing to replace anything already at `to` (a CONFLICT). A hard link then an
 * unlink: the link fails if `to` exists, whatever raced us. On file systems without hard links, a
 * check then a rename (a race there is possible, but only with another process writing that name).
 */
export async function renameNoReplace(from: string, to: string): Promise<void> {
  try {
    await fsp.link(from, to)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? ''
    if (code === 'EEXIST') throw alreadyThere(to)
    if (!LINK_UNSUPPORTED.has(code)) throw error
    if (await fsp.lstat(to).then(() => true, () => false)) throw alreadyThere(to)
    await fsp.rename(from, to)
    return
  }
  await fsp.unlink(from)
}

function alreadyThere(to: string): WardenError {
  return new WardenError('CONFLICT', `${to} already exists; Warden never overwrites it`, {
    hint: 'Nothing was replaced. Move that file aside if it is not needed, then try again.',
  })
}
