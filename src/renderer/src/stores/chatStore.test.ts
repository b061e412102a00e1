import { beforeEach, describe, expect, it } from 'vitest'
import { WardenError } from '../../../shared/errors'
import { provideClient } from '../client/clientInstance'
import type { GenerationResult } from '../lib/types'
import { fakeClient } from '../testing/fakeClient'
import { mergeHistory, useChatStore, type ChatEntry } from './chatStore'
import { startLiveUpdates } from './liveUpdates'

function result(text: string): GenerationResult {
  return { text, tokens: 3, promptTokens: 9, evaluatedTokens: 9, leftOutMessages: 0, tokensPerSecond: 100, durationMs: 30, waitedMs: 0, modelId: 'tiny', finishReason: 'stop', installed: false, loaded: true, evicted: [] }
}

/** Lets the store draw buffered tokens (it draws once a frame; without a DOM, every 16 ms). */
const frame = () => new Promise((r) => setTimeout(r, 30))

describe('chat store', () => {
  beforeEach(() => useChatStore.getState().reset())

  it('keeps an empty, loaded conversation ready while it is fetched again (Enter is never ignored meanwhile)', async () => {
    let release: () => void = () => undefined
    let calls = 0
    const fake = fakeClient({
      'persona.history': () => (++calls === 1 ? { name: 'Ada', messages: [] } : new Promise((resolve) => (release = () => resolve({ name: 'Ada', messages: [] })))),
    })
    provideClient(fake.client)
    const chat = useChatStore.getState()
    await chat.load('Ada')
    expect(useChatStore.getState().conversations.Ada.status).toBe('ready')
    const again = chat.load('Ada', true)
    expect(useChatStore.getState().conversations.Ada.status).toBe('ready')
    release()
    await again
    expect(useChatStore.getState().conversations.Ada.status).toBe('ready')
  })

  it('streams each reply into its own persona, even while another is answering', async () => {
    const answers = new Map<string, (r: GenerationResult) => void>()
    const fake = fakeClient({
      'persona.history': () => ({ name: 'x', messages: [] }),
      'persona.chat': (input) =>
        new Promise((resolve) => {
          answers.set((input as { name: string }).name, resolve as (r: GenerationResult) => void)
        }),
    })
    provideClient(fake.client)
    const stop = startLiveUpdates(fake.client)
    const chat = useChatStore.getState()
    await chat.load('Ada')
    await chat.load('Brook')
    const ada = chat.send('Ada', 'hello')
    const brook = chat.send('Brook', 'hi')
    const callOf = (name: string) => fake.calls.find((c) => c.name === 'persona.chat' && (c.input as { name: string }).name === name)!.callId!
    expect(callOf('Ada')).not.toBe(callOf('Brook'))

    for (const text of ['Hel', 'lo ']) fake.emit({ event: 'persona.token', payload: { callId: callOf('Ada'), persona: 'Ada', text } })
    fake.emit({ event: 'persona.token', payload: { callId: callOf('Brook'), persona: 'Brook', text: 'Yo' } })
    fake.emit({ event: 'persona.token', payload: { callId: 'someone-else', persona: 'Ada', text: 'NOPE' } })
    await frame()
    const state = () => useChatStore.getState().conversations
    expect(state().Ada.entries.map((e) => [e.role, e.text])).toEqual([
      ['user', 'hello'],
      ['assistant', 'Hello '],
    ])
    expect(state().Brook.entries.at(-1)?.text).toBe('Yo')
    expect(state().Ada.pending?.callId).toBe(callOf('Ada'))

    answers.get('Ada')!(result('Hello there'))
    await ada
    expect(state().Ada.pending).toBeNull()
    expect(state().Ada.entries.at(-1)).toMatchObject({ text: 'Hello there', result: { tokens: 3 } })
    expect(state().Ada.entries.at(-1)?.callId).toBeUndefined()
    expect(state().Brook.pending).not.toBeNull()
    answers.get('Brook')!(result('Yo!'))
    await brook
    stop()
  })

  it('keeps what streamed and says why when a reply fails', async () => {
    const fake = fakeClient({
      'persona.history': () => ({ name: 'Ada', messages: [] }),
      'persona.chat': async (_input, callId) => {
        useChatStore.getState().token({ callId: callId!, persona: 'Ada', text: 'partial' })
        throw new WardenError('WORKER_CRASHED', 'The worker of tiny crashed', { hint: 'Warden restarts it; send again.' })
      },
    })
    provideClient(fake.client)
    await useChatStore.getState().load('Ada')
    await useChatStore.getState().send('Ada', 'hello')
    const last = useChatStore.getState().conversations.Ada.entries.at(-1)!
    expect(last.text).toBe('partial')
    expect(last.error).toEqual({ code: 'WORKER_CRASHED', message: 'The worker of tiny crashed', hint: 'Warden restarts it; send again.' })
  })

  it('stops a reply by cancelling its call', async () => {
    let finish: (r: GenerationResult) => void = () => undefined
    const fake = fakeClient({
      'persona.history': () => ({ name: 'Ada', messages: [] }),
      'persona.chat': () => new Promise((resolve) => (finish = resolve as typeof finish)),
      'operation.cancel': () => ({ cancelled: true }),
    })
    provideClient(fake.client)
    await useChatStore.getState().load('Ada')
    const sending = useChatStore.getState().send('Ada', 'tell me a story')
    await useChatStore.getState().stop('Ada')
    const chatCall = fake.calls.find((c) => c.name === 'persona.chat')!
    expect(fake.calls.find((c) => c.name === 'operation.cancel')?.input).toEqual({ callId: chatCall.callId })
    expect(useChatStore.getState().conversations.Ada.pending?.stopping).toBe(true)
    finish({ ...result('Once'), finishReason: 'cancelled' })
    await sending
    expect(useChatStore.getState().conversations.Ada.entries.at(-1)).toMatchObject({ text: 'Once', result: { finishReason: 'cancelled' } })
  })
})

describe('mergeHistory', () => {
  const entry = (role: 'user' | 'assistant', text: string, extra: Partial<ChatEntry> = {}): ChatEntry => ({ key: text, role, text, at: 1, ...extra })

  it('keeps footers of replies sent here and failed replies the host never recorded', () => {
    const local = [
      entry('user', 'a'),
      entry('assistant', 'b', { result: result('b') }),
      entry('user', 'c'),
      entry('assistant', '', { error: { code: 'BUSY', message: 'busy' } }),
    ]
    const history = [
      { role: 'user' as const, text: 'a', at: 1 },
      { role: 'assistant' as const, text: 'b', at: 2 },
      { role: 'user' as const, text: 'from the CLI', at: 3 },
      { role: 'assistant' as const, text: 'ok', at: 4 },
    ]
    const merged = mergeHistory(local, history)
    expect(merged.map((e) => e.text)).toEqual(['a', 'b', 'c', '', 'from the CLI', 'ok'])
    expect(merged[1].result?.text).toBe('b')
  })

  it('takes the host’s history when it was cleared elsewhere', () => {
    expect(mergeHistory([entry('user', 'a'), entry('assistant', 'b')], []).length).toBe(0)
  })
})
