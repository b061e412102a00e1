import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

export const repoRoot = path.resolve(__dirname, '..')
export const wardenBin = path.join(repoRoot, 'bin', 'warden.mjs')

/** Debian's Chromium (installed by .ci/run); the tests say so clearly when it is missing. */
export function chromiumPath(): string | null {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && fs.existsSync(p)) return p
  return null
}

export interface ServerHandle {
  url: string
  token: string
  home: string
  workspace: string
  process: ChildProcess
  stop(): Promise<void>
}

/** A fresh WARDEN_HOME and a demo workspace, served by the built CLI (`warden serve --port 0`). */
export async function startServer(options: { demo?: boolean } = {}): Promise<ServerHandle> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-e2e-'))
  const home = path.join(base, 'home')
  const workspace = path.join(base, 'workspace')
  const args = [wardenBin, 'serve', '--port', '0']
  if (options.demo !== false) args.push('--demo', workspace)
  const child = spawn(process.execPath, args, { env: { ...process.env, WARDEN_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000)
    const onData = (d: Buffer) => {
      output += d.toString()
      const m = /Open: (\S+)/.exec(output)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)))
  })
  const token = new URL(url).searchParams.get('token')!
  return {
    url,
    token,
    home,
    workspace,
    process: child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      fs.rmSync(base, { recursive: true, force: true })
    },
  }
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath()
  if (!executablePath) throw new Error('Chromium not found: install it with `apt-get install -y chromium` (.ci/run does)')
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  })
}

/** Run the built CLI against the same home and workspace as the server. */
export function runCli(server: ServerHandle, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [wardenBin, '--workspace', server.workspace, ...args], { env: { ...process.env, WARDEN_HOME: server.home } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }))
  })
}

export const artifactsDir = path.join(repoRoot, '.e2e-artifacts')

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(artifactsDir, { recursive: true })
  const file = path.join(artifactsDir, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}
