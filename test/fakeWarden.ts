import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { WebSocketServer } from 'ws'
import { tokenProof } from '../src/main/server/requests'
import { readOwnVersion } from '../src/main/services/app/version'

export interface SeenCall {
  op: string
  input: Record<string, unknown>
}

/**
 * A Warden "running" for `home`, in this process: it proves it knows the token, records every call
 * that reaches it and answers each with its input, so a test sees what a CLI sent to a running app.
 */
export async function fakeWarden(home: string): Promise<{ calls: SeenCall[]; close: () => Promise<void> }> {
  const token = 'b'.repeat(64)
  const calls: SeenCall[] = []
  const server = http.createServer((req, res) => {
    const nonce = new URL(req.url ?? '/', 'http://x').searchParams.get('nonce') ?? ''
    res.end(JSON.stringify({ ok: true, value: { proof: tokenProof(token, nonce) } }))
  })
  const wss = new WebSocketServer({ server })
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const call = JSON.parse(data.toString()) as { id: string; op: string; input: Record<string, unknown> }
      calls.push({ op: call.op, input: call.input })
      ws.send(JSON.stringify({ type: 'result', id: call.id, result: { ok: true, value: { servedBy: 'running Warden', input: call.input } } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  fs.writeFileSync(path.join(home, 'server.json'), JSON.stringify({ port, token, pid: process.pid, url: `http://127.0.0.1:${port}/`, version: readOwnVersion() }), { mode: 0o600 })
  return { calls, close: () => new Promise<void>((resolve) => (wss.close(), server.close(() => resolve()))) }
}
