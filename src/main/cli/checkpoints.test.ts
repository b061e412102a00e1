import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/fixtures'
import { requireBuiltCli, runCli, startCli, type CliRun } from '../../../test/cli'
import { processAlive, waitFor } from '../../../test/inference'
import { writeTinyModel } from '../services/models/tinyGguf'
import type { OperationOutput } from '../../shared/contract/operations'

const servers: CliRun[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.child.kill('SIGKILL')
    await s.done
  }
})

async function cli<T>(args: string[], home: string): Promise<T> {
  const r = await runCli([...args, '--json'], { home })
  if (r.code !== 0) throw new Error(`warden ${args.join(' ')} failed (exit ${r.code}):\n${r.output}`)
  return r.json<T>()
}

async function serve(home: string): Promise<CliRun> {
  const server = startCli(['serve', '--port', '0'], { home })
  servers.push(server)
  await server.waitForOutput(/Warden is serving/, 30_000)
  return server
}

const NEXT = 'And then what happened?'

describe('persona checkpoints across processes', () => {
  it('a persona frozen in a server that is then killed (SIGKILL) resumes in a new server: the same next answer, evaluating only the new turn', async () => {
    requireBuiltCli()
    const home = tempDir('warden-ckpt-home-')
    await writeTinyModel(path.join(home, 'models', 'tiny-1.gguf'), { name: 'tiny-1', seed: 1000 })
    const first = await serve(home)
    await cli(['persona', 'create', '--name', 'Ada', '--model', 'tiny-1', '--settings', '{"temperature":0,"seed":3,"maxTokens":12,"contextSize":1024}'], home)
    for (let i = 0; i < 3; i++) await cli(['persona', 'chat', 'Ada', `Part ${i} of the story, please.`], home)
    const frozen = await cli<OperationOutput<'persona.checkpoint'>>(['persona', 'checkpoint', 'Ada', '--label', 'mid-story'], home)
    expect(frozen).toMatchObject({ stateSaved: true, messages: 6, label: 'mid-story' })
    // The never-stopped persona's next answer, then the server dies without any chance to clean up.
    const reference = await cli<OperationOutput<'persona.chat'>>(['persona', 'chat', 'Ada', NEXT], home)
    const pids = (await cli<OperationOutput<'worker.list'>>(['workers'], home)).workers.map((w) => w.pid!)
    first.child.kill('SIGKILL')
    await first.done
    await waitFor(() => pids.every((p) => !processAlive(p)), 'the orphaned workers to exit', 10_000)

    await serve(home)
    const listed = await cli<OperationOutput<'persona.checkpoints'>>(['persona', 'checkpoints', 'Ada'], home)
    expect(listed.checkpoints.map((c) => c.id)).toEqual([frozen.id])
    const resumed = await cli<OperationOutput<'persona.resume'>>(['persona', 'resume', 'Ada'], home)
    expect(resumed).toMatchObject({ stateLoaded: true, tokens: frozen.tokens, messages: 6 })
    const after = await cli<OperationOutput<'persona.chat'>>(['persona', 'chat', 'Ada', NEXT], home)
    expect(after.text).toBe(reference.text)
    expect(after.evaluatedTokens).toBe(reference.evaluatedTokens)
    expect(after.evaluatedTokens).toBeLessThan(after.promptTokens / 4)

    // The human forms of the commands.
    const human = await runCli(['persona', 'checkpoints', 'Ada'], { home })
    expect(human.stdout).toMatch(new RegExp(`${frozen.id} .* mid-story {2}6 messages {2}${frozen.tokens} tokens`))
    const removed = await runCli(['persona', 'checkpoint-remove', 'Ada', frozen.id], { home })
    expect(removed.stdout).toMatch(/Checkpoint .* of Ada removed/)
    const none = await runCli(['persona', 'resume', 'Ada'], { home })
    expect(none.code).not.toBe(0)
    expect(none.stderr).toMatch(/Ada has no checkpoint to resume from/)
  }, 120_000)
})
