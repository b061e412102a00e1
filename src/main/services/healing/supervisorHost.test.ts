import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir, writeModule } from '../../../../test/fixtures'
import { inferenceHosts, writeTinyModels } from '../../../../test/inference'

// The supervisor as the host wires it: module.reportError through the dispatcher, and a real
// persona (a tiny model in a worker process) writing the assessment.

describe('the supervisor in the host', () => {
  const hosts = inferenceHosts()

  it('a persona named in supervisorPersona assesses each decision without it entering its conversation; a persona that cannot answer changes nothing', async () => {
    const h = hosts()
    const ws = tempDir('warden-ws-')
    writeModule(ws, { name: 'chat-send' })
    writeModule(ws, { name: 'other' })
    await h.host.openWorkspace(ws)
    await writeTinyModels(path.join(h.home, 'models'), 1)
    await h.call('persona.create', { name: 'Athena', model: 'tiny-1', settings: { temperature: 0, maxTokens: 16 } })
    await h.call('config.set', { key: 'supervisorPersona', value: 'Athena' })

    const decision = await h.call('module.reportError', { name: 'chat-send', message: "Cannot read property 'userId' of undefined", type: 'TypeError' })
    expect(decision.action).toBe('hibernated')
    expect(decision.assessment).toEqual(expect.stringMatching(/\S/))
    expect(fs.existsSync(path.join(ws, 'commands', 'chat-send'))).toBe(false)
    expect((await h.call('persona.list', {})).personas.find((p) => p.name === 'Athena')!.messages).toBe(0)

    await h.call('config.set', { key: 'supervisorPersona', value: 'Nobody' })
    const unassessed = await h.call('module.reportError', { name: 'other', message: 'boom' })
    expect(unassessed).toMatchObject({ action: 'hibernated', assessment: null })
    expect(h.host.supervisor.decisions(10).map((d) => [d.module, d.assessment !== null])).toEqual([
      ['other', false],
      ['chat-send', true],
    ])
  })
})
