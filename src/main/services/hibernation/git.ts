import { execFile } from 'node:child_process'

/** The workspace's current git commit, or null where it is not a git repository (or git is absent). */
export function gitHead(cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 5000 }, (error, stdout) => {
      resolve(error ? null : stdout.trim() || null)
    })
  })
}
