import type { ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startCli, type CliOptions } from '../test/cli'

export const repoRoot = path.resolve(__dirname, '..')

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
  const args = ['serve', '--port', '0']
  if (options.demo !== false) args.push('--demo', workspace)
  const run = startCli(args, { home })
  // Up to the end of its line: a chunk may end inside the URL.
  const [, url] = await run.waitForOutput(/Open: (\S+)\n/, 30_000)
  const child = run.child
  const token = new URL(url).searchParams.get('token')!
  return {
    url,
    token,
    home,
    workspace,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await run.done
      }
      fs.rmSync(base, { recursive: true, force: true })
    },
  }
}

/** CLI options that act on the server's home and workspace. */
export function sameAs(server: ServerHandle): CliOptions {
  return { home: server.home, workspace: server.workspace }
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath()
  if (!executablePath) throw new Error('Chromium not found: install it with `apt-get install -y chromium` (.ci/run does)')
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  })
}

export const artifactsDir = path.join(repoRoot, '.e2e-artifacts')

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(artifactsDir, { recursive: true })
  const file = path.join(artifactsDir, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}
