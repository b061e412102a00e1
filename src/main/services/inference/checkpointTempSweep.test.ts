/**
 * A checkpoint whose writing was cut short (the process killed mid-write) leaves its temporary
 * folder; the next start removes it once it is a few minutes old, and leaves a younger one (another
 * process may still be writing it) and the checkpoints themselves alone.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { inferenceHosts, waitFor, writeTinyModels } from '../../../../test/inference'
import { STALE_TEMP_MS } from './PersonaCheckpoints'

const host = inferenceHosts()

describe('unfinished checkpoints', () => {
  it('are swept at start-up once older than a few minutes; younger ones and finished checkpoints stay', async () => {
    const h = host()
    await writeTinyModels(path.join(h.home, 'models'), 1)
    await h.call('persona.create', { name: 'Ada', model: 'tiny-1', settings: { temperature: 0, maxTokens: 4 } })
    await h.call('persona.chat', { name: 'Ada', prompt: 'Hello.' })
    const made = await h.call('persona.checkpoint', { name: 'Ada' })
    const dir = path.join(h.home, 'checkpoints', h.host.inference.personas.get('Ada').id)
    await host.quit(h)

    // What a kill -9 during `persona checkpoint` leaves: a temporary folder with a partial state.
    const stale = path.join(dir, '.warden-tmp-20261202-050000000-abcdef')
    const fresh = path.join(dir, '.warden-tmp-20261202-055900000-fedcba')
    for (const tmp of [stale, fresh]) {
      fs.mkdirSync(tmp)
      fs.writeFileSync(path.join(tmp, 'state.bin'), Buffer.alloc(4096, 1))
    }
    const old = new Date(Date.now() - STALE_TEMP_MS - 60_000)
    fs.utimesSync(path.join(stale, 'state.bin'), old, old)
    fs.utimesSync(stale, old, old)

    const h2 = host(h.home)
    expect((await h2.call('persona.checkpoints', { name: 'Ada' })).checkpoints.map((c) => c.id)).toEqual([made.id])
    await waitFor(() => !fs.existsSync(stale), 'the stale temporary folder to be removed')
    expect(fs.existsSync(fresh)).toBe(true)
    expect(fs.existsSync(path.join(dir, made.id, 'state.bin'))).toBe(true)
    expect(await h2.call('persona.resume', { name: 'Ada' })).toMatchObject({ stateLoaded: true })
  }, 120_000)
})
