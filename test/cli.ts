import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'

export const builtCli = path.resolve(__dirname, '..', 'out', 'main', 'cli.js')

export function requireBuiltCli(): void {
  if (!fs.existsSync(builtCli)) throw new Error(`${builtCli} is missing: run \`npm run build\` first (npm test does)`)
}

export interface CliRun {
  child: ChildProcess
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>
}

/** Start the built CLI as its own process (what a person runs). */
export function startCli(args: string[], env: Record<string, string>): CliRun {
  const child = spawn(process.execPath, [builtCli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  )
  return { child, done }
}

export async function cliJson<T>(args: string[], env: Record<string, string>): Promise<{ code: number | null; value: T; stderr: string }> {
  const r = await startCli([...args, '--json'], env).done
  return { code: r.code, value: JSON.parse(r.stdout) as T, stderr: r.stderr }
}
