import * as fs from 'node:fs'
import * as path from 'node:path'
import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { inferenceHost, writeTinyModels } from '../../../test/inference'
import { startServer, type RunningServer } from './startServer'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function serve() {
  const h = inferenceHost()
  await writeTinyModels(path.join(h.home, 'models'), 1)
  await h.call('persona.create', { name: 'Ada', model: 'tiny-1', settings: { temperature: 0, maxTokens: 4 } })
  const server = await startServer(h.host, { port: 0, rendererDir: null })
  cleanups.push(() => h.host.shutdown(), () => server.close())
  return { ...h, server }
}

const post = (server: RunningServer, op: string, body: unknown, key: string) =>
  fetch(`${server.url}api/op/${op}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) })

/** Whether a WebSocket to /ws opens with these credentials. */
function socketOpens(server: RunningServer, key: string, as: 'query' | 'header'): Promise<boolean> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws${as === 'query' ? `?token=${key}` : ''}`, { headers: as === 'header' ? { authorization: `Bearer ${key}` } : {} })
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.close()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

describe('API keys of the OpenAI-compatible endpoint', () => {
  it('reach /v1 with the official client and nothing else, and stop working once revoked', async () => {
    const { server, call, home } = await serve()
    const created = await call('apiKey.create', { name: 'cursor' })
    expect(created.key).toMatch(/^wdn_[\w-]{32}$/)
    const client = new OpenAI({ baseURL: `${server.url}v1`, apiKey: created.key, maxRetries: 0 })
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['Ada'])
    const answer = await client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: 'Hello' }] })
    expect(answer.choices[0].message.content?.length).toBeGreaterThan(0)
    expect((await call('apiKey.list', {})).keys[0].lastUsedAt).not.toBeNull()

    // Not the rest of the API: no operation (not even listing keys), and no WebSocket.
    for (const [op, input] of [
      ['apiKey.list', {}],
      ['model.install', { uri: 'https://example.com/x.gguf' }],
      ['workspace.open', { path: path.join(home, 'no-such-folder') }],
    ] as const) {
      const refused = await post(server, op, input, created.key)
      expect(refused.status, op).toBe(401)
    }
    expect((await fetch(`${server.url}api/ops`, { headers: { authorization: `Bearer ${created.key}` } })).status).toBe(401)
    expect(await socketOpens(server, created.key, 'query')).toBe(false)
    expect(await socketOpens(server, created.key, 'header')).toBe(false)
    expect(await socketOpens(server, server.token, 'query')).toBe(true) // the token still does

    // Revoked: refused from the next request on; another key and the token still work.
    const other = await call('apiKey.create', { name: 'scripts' })
    expect(await call('apiKey.revoke', { name: 'cursor' })).toMatchObject({ name: 'cursor', prefix: created.prefix })
    await expect(client.models.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' })
    await expect(client.chat.completions.create({ model: 'Ada', messages: [{ role: 'user', content: 'Hello' }] })).rejects.toMatchObject({ status: 401 })
    expect((await new OpenAI({ baseURL: `${server.url}v1`, apiKey: other.key, maxRetries: 0 }).models.list()).data).toHaveLength(1)
    expect((await new OpenAI({ baseURL: `${server.url}v1`, apiKey: server.token, maxRetries: 0 }).models.list()).data).toHaveLength(1)
    // The endpoint the keys are for, as the UI and the CLI show it.
    expect((await call('apiKey.list', {})).endpoint).toBe(`${server.url}v1`)
  }, 60_000)

  it('stores only a hash of each key and lists its first characters; names are unique', async () => {
    const { call, home, host } = inferenceHost()
    cleanups.push(() => host.shutdown())
    const a = await call('apiKey.create', { name: 'cursor' })
    const b = await call('apiKey.create', { name: 'scripts' })
    expect(a.key).not.toBe(b.key)
    const list = await call('apiKey.list', {})
    expect(list).toEqual({
      keys: [
        { id: a.id, name: 'cursor', prefix: a.key.slice(0, 12), createdAt: a.createdAt, lastUsedAt: null },
        { id: b.id, name: 'scripts', prefix: b.key.slice(0, 12), createdAt: b.createdAt, lastUsedAt: null },
      ],
      endpoint: null,
    })
    expect(JSON.stringify(list)).not.toContain(a.key)
    // Neither the database nor its write-ahead log holds a key.
    const files = fs.readdirSync(home).filter((f) => f.startsWith('warden.db'))
    expect(files).toContain('warden.db')
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(home, f))
      expect(bytes.includes(a.key), f).toBe(false)
      expect(bytes.includes(a.key.slice(12)), f).toBe(false)
    }
    expect(host.apiKeys.verify(a.key)).toBe(true)
    expect(host.apiKeys.verify(a.key.slice(0, -1))).toBe(false)
    await expect(call('apiKey.create', { name: 'Cursor' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('already exists') })
    await expect(call('apiKey.revoke', { name: 'nobody' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(call('apiKey.create', { name: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('a key name is required') })
  })
})
