import { describe, expect, it } from 'vitest'
import { parseClientMessage, parseServerMessage } from './socket'

describe('the WebSocket protocol, parsed once for server, renderer and CLI', () => {
  it('takes calls and subscriptions, and says what is wrong with anything else', () => {
    expect(parseClientMessage('{"type":"call","id":"c1","op":"app.info","input":{}}')).toEqual({ type: 'call', id: 'c1', op: 'app.info', input: {} })
    expect(parseClientMessage('{"type":"subscribe","events":["workers.changed"]}')).toEqual({ type: 'subscribe', events: ['workers.changed'] })
    for (const bad of ['nope', 'null', '[]', '{"type":"call","id":5,"op":"x"}', `{"type":"call","id":"${'x'.repeat(201)}","op":"x"}`, '{"type":"explode"}']) {
      expect(parseClientMessage(bad)).toHaveProperty('problem')
    }
  })

  it('reads results and known events, ignores what Warden does not send, and ends a call whose result is broken', () => {
    expect(parseServerMessage('{"type":"result","id":"c1","result":{"ok":true,"value":1}}')).toEqual({ type: 'result', id: 'c1', result: { ok: true, value: 1 } })
    expect(parseServerMessage('{"type":"event","event":"models.changed","payload":{"at":1}}')).toEqual({ type: 'event', event: 'models.changed', payload: { at: 1 } })
    expect(parseServerMessage('<html>')).toBeNull()
    expect(parseServerMessage('{"type":"event","event":"models.changed","payload":{"at":"soon"}}')).toBeNull()
    expect(parseServerMessage('{"type":"event","event":"no.such","payload":{}}')).toBeNull()
    expect(parseServerMessage('{"type":"result","id":"c1","result":"nonsense"}')).toMatchObject({ id: 'c1', result: { ok: false, error: { code: 'INTERNAL' } } })
    expect(parseServerMessage('{"type":"result","id":"c1","result":{"ok":false,"error":{"code":"NOPE","message":"x"}}}')).toMatchObject({ result: { ok: false, error: { code: 'INTERNAL' } } })
  })
})
