import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/fixtures'
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { builtCli, requireBuiltCli, startCli, type CliRun } from '../../../test/cli'
import { writeTinyModel } from '../services/models/tinyGguf'
import { processAlive, waitFor } from '../../../test/inference'
import type { OperationOutput } from '../../shared/contract/operations'

const servers: CliRun[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.child.kill('SIGKILL')
    await s.done
  }
})

async function cli<T>(args: string[], env: Record<string, string>) {
  const r = await startCli(args, env).done
  return { ...r, json: () => JSON.parse(r.stdout) as T }
}

describe('CLI and a running Warden', () => {
  it('attaches to the server of the same home: chat streams there, `warden workers` shows its live worker; SIGKILL of the server leaves no orphan', async () => {
    requireBuiltCli()
    const env = { WARDEN_HOME: tempDir('warden-attach-home-') }
    const server = startCli(['serve', '--port', '0', '--demo', tempDir('warden-attach-ws-') + '/ws'], env)
    servers.push(server)
    let out = ''
    server.child.stdout!.on('data', (d) => (out += d))
    await waitFor(() => out.includes('Warden is serving'), 'the server')

    const personas = await cli<OperationOutput<'persona.list'>>(['persona', 'list', '--json'], env)
    expect(personas.json().personas.map((p) => p.name)).toEqual(['Ada', 'Brook'])

    const chat = await cli<never>(['persona', 'chat', 'Ada', 'Hello Ada'], env)
    expect(chat.code).toBe(0)
    expect(chat.stdout.trim().length).toBeGreaterThan(0)
    expect(chat.stderr).toMatch(/— \d+ tokens · [\d.]+ tok\/s .*loaded the model/)

    // The worker lives in the server, not in the (finished) chat command: the CLI attached.
    const workers = (await cli<OperationOutput<'worker.list'>>(['workers', '--json'], env)).json()
    expect(workers.workers).toHaveLength(1)
    const w = workers.workers[0]
    expect(w).toMatchObject({ modelId: 'demo-tiny-a', state: 'ready' })
    expect(processAlive(w.pid!)).toBe(true)
    const table = await cli<never>(['workers'], env)
    expect(table.stdout).toMatch(new RegExp(`demo-tiny-a\\s+${w.pid}\\s+ready`))

    // The server dies without any chance to clean up: its worker notices and exits on its own.
    server.child.kill('SIGKILL')
    await server.done
    await waitFor(() => !processAlive(w.pid!), 'the orphaned worker to exit', 10_000)

    // With no server, the next command runs in its own process (the stale discovery file is ignored).
    const local = (await cli<OperationOutput<'worker.list'>>(['workers', '--json'], env)).json()
    expect(local.workers).toEqual([])
  }, 90_000)

  it('config set and persona create from the CLI, with clear errors', async () => {
    requireBuiltCli()
    const env = { WARDEN_HOME: tempDir('warden-cli-home-') }
    const set = await cli<never>(['config', 'set', 'maxVRAM', '2048'], env)
    expect(set.stdout.trim()).toBe('maxVRAM = 2048')
    const get = await cli<OperationOutput<'config.get'>>(['config', 'get', 'maxVRAM', '--json'], env)
    expect(get.json().settings[0]).toMatchObject({ key: 'maxVRAM', value: 2048 })
    const bad = await cli<never>(['persona', 'create', '--name', 'X', '--model', 'no-such-model'], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/No model "no-such-model"/)
    expect(bad.stderr).toMatch(/warden model list/)
    const workers = await cli<never>(['workers'], env)
    expect(workers.stdout).toMatch(/Memory: 0 B of 2(\.0)? GB used — 2(\.0)? GB \(maxVRAM setting\)/)
    expect(workers.stdout).toMatch(/No workers running/)

    // A stale discovery file whose process id now belongs to another live process: nothing listens
    // on its port, so the command runs here.
    fs.writeFileSync(path.join(env.WARDEN_HOME, 'server.json'), JSON.stringify({ port: 9, token: 'x', pid: process.pid, url: 'http://127.0.0.1:9/', version: '0.1.0' }))
    const stale = await cli<OperationOutput<'worker.list'>>(['workers', '--json'], env)
    expect(stale.code).toBe(0)
    expect(stale.json().workers).toEqual([])

    // A relative model path is the caller's: it keeps working from another folder.
    const here = tempDir('warden-cli-cwd-')
    await writeTinyModel(path.join(here, 'mine.gguf'), { seed: 9 })
    const created = await new Promise<number | null>((resolve) =>
      spawn(process.execPath, [builtCli, 'persona', 'create', '--name', 'Mine', '--model', './mine.gguf'], { cwd: here, env: { ...process.env, ...env }, stdio: 'ignore' }).on('exit', resolve),
    )
    expect(created).toBe(0)
    const chat = await cli<OperationOutput<'persona.chat'>>(['persona', 'chat', 'Mine', 'hi', '--json'], env)
    expect(chat.code).toBe(0)
    expect(chat.json()).toMatchObject({ modelId: 'mine', loaded: true })
  }, 60_000)
})
