import { create } from 'zustand'
import type { EventPayload } from '../../../shared/contract/events'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import { newCallId } from '../lib/callId'
import { toWardenError } from '../lib/toWardenError'
import type { ChatMessage, GenerationResult } from '../lib/types'

export interface ChatEntry {
  /** Stable React key. */
  key: string
  role: 'user' | 'assistant'
  text: string
  at: number
  /** A reply streaming now: its call id (tokens arrive as `persona.token` with it). */
  callId?: string
  /** How a reply sent from this window went (tokens, speed, what the host had to do). */
  result?: GenerationResult
  /** Why a reply failed; the text holds what streamed before. */
  error?: { code: string; message: string; hint?: string }
}

export interface Conversation {
  status: 'loading' | 'ready' | 'failed'
  entries: ChatEntry[]
  /** Why the history could not be read. */
  error: WardenError | null
  /** The reply streaming now, if any. */
  pending: { callId: string; startedAt: number; stopping: boolean } | null
}

interface ChatState {
  /** By persona name. A conversation keeps streaming while another persona is open. */
  conversations: Record<string, Conversation>
  /** Read the history the first time a persona opens (or again with `force`). */
  load(name: string, force?: boolean): Promise<void>
  /** Send a message; the reply streams into the conversation. Resolves when it is done; never throws. */
  send(name: string, prompt: string): Promise<void>
  /** Feeds `persona.token`; text for calls not started here is ignored. */
  token(payload: EventPayload<'persona.token'>): void
  /** Cancel the streaming reply (`operation.cancel`); what streamed so far stays. */
  stop(name: string): Promise<void>
  /** Forget the conversation on the host and here. */
  clear(name: string): Promise<WardenError | null>
  /** Re-read loaded histories that may have changed elsewhere (the CLI, another window). */
  syncAll(): Promise<void>
  rename(from: string, to: string): void
  forget(name: string): void
  reset(): void
}

const empty: Conversation = { status: 'loading', entries: [], error: null, pending: null }

let keyCounter = 0
const nextKey = (prefix: string) => `${prefix}-${++keyCounter}`

function fromHistory(m: ChatMessage): ChatEntry {
  return { key: nextKey('h'), role: m.role, text: m.text, at: m.at }
}

const isFailedReply = (e: ChatEntry | undefined): boolean => e !== undefined && e.role === 'assistant' && e.error !== undefined && e.result === undefined

/**
 * The host's history, keeping what only this window knows: the footers of replies sent from here,
 * and failed replies (with the message that got none), which the host does not record.
 */
export function mergeHistory(local: ChatEntry[], history: ChatMessage[]): ChatEntry[] {
  const out: ChatEntry[] = []
  let h = 0
  for (let i = 0; i < local.length; i++) {
    const e = local[i]
    if (e.callId) break // streaming: the host's copy is not final yet
    if (isFailedReply(e)) {
      out.push(e)
      continue
    }
    const m = history[h]
    if (m && m.role === e.role && m.text === e.text) {
      out.push(e)
      h++
    } else if (e.role === 'user' && isFailedReply(local[i + 1])) {
      out.push(e)
    } else break
  }
  return [...out, ...history.slice(h).map(fromHistory)]
}

/** Streamed text not yet shown, by call id: tokens arrive faster than frames, so they are drawn once a frame. */
const buffered = new Map<string, string>()
let flushScheduled = false

function scheduleFlush(flush: () => void): void {
  if (flushScheduled) return
  flushScheduled = true
  const run = () => {
    flushScheduled = false
    flush()
  }
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) requestAnimationFrame(run)
  else setTimeout(run, 16)
}

/** The persona whose pending reply is `callId` (looked up at the end, as the persona may have been renamed). */
function ownerOf(conversations: Record<string, Conversation>, callId: string): string | null {
  for (const [name, c] of Object.entries(conversations)) if (c.pending?.callId === callId) return name
  return null
}

/** Conversations with personas, and the replies streaming into them. */
export const useChatStore = create<ChatState>()((set, get) => {
  const patch = (name: string, change: (c: Conversation) => Conversation) =>
    set((s) => ({ conversations: { ...s.conversations, [name]: change(s.conversations[name] ?? empty) } }))

  const flush = () => {
    if (buffered.size === 0) return
    const pieces = new Map(buffered)
    buffered.clear()
    set((s) => {
      const conversations = { ...s.conversations }
      for (const [callId, text] of pieces) {
        const name = ownerOf(conversations, callId)
        if (!name) continue
        const c = conversations[name]
        conversations[name] = { ...c, entries: c.entries.map((e) => (e.callId === callId ? { ...e, text: e.text + text } : e)) }
      }
      return { conversations }
    })
  }

  /** Replace the streaming entry of `callId` with its outcome and end the pending call. */
  const settle = (callId: string, outcome: Pick<ChatEntry, 'result' | 'error'> & { text?: string }) => {
    const unshown = buffered.get(callId) ?? ''
    buffered.delete(callId)
    const name = ownerOf(get().conversations, callId)
    if (!name) return
    patch(name, (c) => ({
      ...c,
      pending: null,
      entries: c.entries.map((e) =>
        e.callId === callId ? { key: e.key, role: e.role, at: e.at, text: outcome.text ?? e.text + unshown, result: outcome.result, error: outcome.error } : e,
      ),
    }))
  }

  return {
    conversations: {},
    load: async (name, force = false) => {
      const current = get().conversations[name]
      if (current && !force && current.status !== 'failed') return
      if (current?.pending) return
      // A refetch (another window, the CLI) keeps a loaded conversation usable, even an empty one: the
      // composer would otherwise ignore Enter while it runs.
      patch(name, (c) => ({ ...c, status: c.entries.length || c.status === 'ready' ? c.status : 'loading', error: null }))
      try {
        const { messages } = await wardenClient().call('persona.history', { name })
        patch(name, (c) => (c.pending ? c : { ...c, status: 'ready', error: null, entries: mergeHistory(force ? c.entries : [], messages) }))
      } catch (error) {
        patch(name, (c) => ({ ...c, status: 'failed', error: toWardenError(error) }))
      }
    },
    send: async (name, prompt) => {
      const callId = newCallId()
      const now = Date.now()
      patch(name, (c) => ({
        ...c,
        status: c.status === 'loading' ? 'loading' : 'ready',
        pending: { callId, startedAt: now, stopping: false },
        entries: [...c.entries, { key: nextKey('u'), role: 'user', text: prompt, at: now }, { key: nextKey('a'), role: 'assistant', text: '', at: now, callId }],
      }))
      try {
        const result = await wardenClient().call('persona.chat', { name, prompt, priority: 'realtime', stateless: false }, { callId })
        settle(callId, { result, text: result.text })
      } catch (thrown) {
        const error = toWardenError(thrown)
        settle(callId, { error: { code: error.code, message: error.message, hint: error.hint } })
      }
    },
    token: (p) => {
      if (!ownerOf(get().conversations, p.callId)) return
      buffered.set(p.callId, (buffered.get(p.callId) ?? '') + p.text)
      scheduleFlush(flush)
    },
    stop: async (name) => {
      const pending = get().conversations[name]?.pending
      if (!pending) return
      patch(name, (c) => (c.pending ? { ...c, pending: { ...c.pending, stopping: true } } : c))
      try {
        await wardenClient().call('operation.cancel', { callId: pending.callId })
      } catch {
        // The reply may have just finished; its own outcome says so.
      }
    },
    clear: async (name) => {
      try {
        await wardenClient().call('persona.clear', { name })
        patch(name, (c) => ({ ...c, status: 'ready', error: null, entries: c.entries.filter((e) => e.callId !== undefined) }))
        return null
      } catch (error) {
        return toWardenError(error)
      }
    },
    syncAll: async () => {
      const names = Object.entries(get().conversations)
        .filter(([, c]) => c.status === 'ready' && !c.pending)
        .map(([name]) => name)
      await Promise.all(names.map((n) => get().load(n, true)))
    },
    rename: (from, to) =>
      set((s) => {
        const c = s.conversations[from]
        if (!c || from === to) return s
        const { [from]: _moved, ...rest } = s.conversations
        return { conversations: { ...rest, [to]: c } }
      }),
    forget: (name) =>
      set((s) => {
        const { [name]: _gone, ...rest } = s.conversations
        return { conversations: rest }
      }),
    reset: () => {
      buffered.clear()
      set({ conversations: {} })
    },
  }
})
