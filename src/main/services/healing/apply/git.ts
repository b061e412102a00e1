import { execFile } from 'node:child_process'
import * as fsp from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'

/** Who Warden's commits are by (the person's own identity is never borrowed). */
const IDENTITY = { GIT_AUTHOR_NAME: 'Warden healing', GIT_AUTHOR_EMAIL: 'healing@warden.invalid', GIT_COMMITTER_NAME: 'Warden healing', GIT_COMMITTER_EMAIL: 'healing@warden.invalid' }

function git(cwd: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd, timeout: 30_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...options.env } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args[0]} failed: ${(stderr || error.message).trim()}`))
      else resolve(stdout.trim())
    })
    // git may exit before reading its input (an error): the broken pipe is that error's, reported above.
    child.stdin?.on('error', () => {})
    if (options.input !== undefined) child.stdin?.end(options.input)
    else child.stdin?.end()
  })
}

/** The top folder of the git repository `dir` is in, or null (not a repository, or no git). */
export async function gitTopLevel(dir: string): Promise<string | null> {
  try {
    return await fsp.realpath(await git(dir, ['rev-parse', '--show-toplevel']))
  } catch {
    return null
  }
}

export function healBranch(patchId: string): string {
  return `warden/heal-${patchId}`
}

/** The commit a branch points at, or null. */
export async function branchTip(top: string, branch: string): Promise<string | null> {
  return git(top, ['rev-parse', '--verify', '-q', `refs/heads/${branch}^{commit}`]).catch(() => null)
}

/**
 * Record files' new contents as a commit on `branch` (created from HEAD the first time), without
 * touching the working tree, the person's index or their checked-out branch: a temporary index,
 * write-tree, commit-tree, update-ref. `files` are paths inside the repository (forward slashes);
 * null content removes the file. Returns the new commit.
 */
export async function commitOnBranch(top: string, branch: string, files: Array<{ path: string; content: string | null }>, message: string): Promise<string> {
  const parent = (await branchTip(top, branch)) ?? (await git(top, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']).catch(() => null))
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'warden-heal-index-'))
  const env = { ...IDENTITY, GIT_INDEX_FILE: path.join(tmp, 'index') }
  try {
    if (parent) await git(top, ['read-tree', parent], { env })
    for (const file of files) {
      if (file.content === null) await git(top, ['update-index', '--force-remove', '--', file.path], { env })
      else {
        const blob = await git(top, ['hash-object', '-w', '--stdin'], { input: file.content })
        await git(top, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file.path}`], { env })
      }
    }
    const tree = await git(top, ['write-tree'], { env })
    const commit = await git(top, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message], { env })
    await git(top, ['update-ref', `refs/heads/${branch}`, commit])
    return commit
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true })
  }
}
