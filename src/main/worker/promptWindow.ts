/**
 * The prompt of one generation, fitted to the context and evaluated in steps that a cancel can stop.
 *
 * node-llama-cpp's LlamaChat does both on its own, but neither can be interrupted: it shortens an
 * oversized history with synchronous work that grows with the whole history (seconds for a few MB,
 * with the worker's event loop blocked so that even an abort message waits), and it evaluates the
 * whole prompt before it looks at its abort signal. So the worker first fits the conversation here,
 * counting tokens newest-first and stopping as soon as the context is full, then evaluates exactly
 * the tokens LlamaChat will ask for, one chunk at a time; LlamaChat then finds them in the sequence's
 * cache and only generates.
 */
import type { ChatHistoryItem, ChatModelFunctions, ChatWrapper, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp'
import { WardenError } from '../../shared/errors'
import type { ChatTurn, ContextLengthExceeded, Overflow } from '../services/workers/protocol'
import { toHistoryItem, turnText } from './functions'

/** Characters tokenized between two looks at the event loop (about 2–3 ms of tokenizing). */
const SLICE_CHARS = 16_384

export interface PromptWindowInput {
  model: LlamaModel
  chatWrapper: ChatWrapper
  /** Tokens of context the sequence holds. */
  contextSize: number
  systemPrompt: string
  history: ChatTurn[]
  prompt: string
  overflow: Overflow
  signal: AbortSignal
  /** Functions the model may call: their documentation is part of the context. */
  functions?: ChatModelFunctions
  /** Continue the last turn of `history` (always kept) instead of answering `prompt`. */
  continueLastTurn?: boolean
  /**
   * `dropOldest` only: the first turn of `history` that the sequence's cached window starts with. The
   * window keeps starting there while everything from it still fits, so each turn reuses the cache
   * and evaluates only its new tokens. Defaults to none (the window is fitted afresh).
   */
  keepFrom?: number
  /** `dropOldest` only: tokens of the context left free for the answer. Defaults to 0. */
  answerRoom?: number
}

export interface PromptWindow {
  /** The chat history to give the session: the system prompt, then the turns kept (the prompt is not in it). */
  history: ChatHistoryItem[]
  /** The whole chat to generate from: the history, the prompt, and the model response to fill. */
  chat: ChatHistoryItem[]
  /** The context's tokens for the whole request (history, prompt and the start of the answer), as LlamaChat makes them. */
  tokens: Token[]
  /** Oldest turns left out to make room (`dropOldest`). */
  droppedTurns: number
}

export function cancelled(what: string): WardenError {
  return new WardenError('CANCELLED', `The request was cancelled ${what}`)
}

/** Lets the event loop run (an abort message may be waiting), then stops if the request was cancelled. */
class Breather {
  private work = 0
  constructor(private readonly signal: AbortSignal) {}

  async after(chars: number): Promise<void> {
    this.work += chars
    if (this.work < SLICE_CHARS) return
    this.work = 0
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (this.signal.aborted) throw cancelled('while its prompt was prepared')
  }
}

/**
 * Tokens of `text` alone, tokenized in slices (cut at a space) with a breath between them; stops
 * counting once past `limit`. One extra token per slice boundary is taken off, so the count does
 * not exceed what the whole text gives (the template around a message adds more than that).
 */
async function countTokens(model: LlamaModel, text: string, limit: number, breather: Breather): Promise<number> {
  let count = 0
  let slices = 0
  for (let at = 0; at < text.length && count - slices <= limit; slices++) {
    let end = Math.min(text.length, at + SLICE_CHARS)
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end)
      if (space > at) end = space
    }
    count += model.tokenize(text.slice(at, end)).length
    await breather.after(end - at)
    at = end
  }
  return Math.max(0, count - Math.max(0, slices - 1))
}

/**
 * The texts of the functions' documentation that every chat template writes into the prompt: each
 * function's name and description, and the property names and descriptions of its parameters (with
 * the `$ref`s the server inlined). Their tokens are a lower bound of what the documentation takes.
 */
export function functionsText(functions: ChatModelFunctions | undefined): string {
  const texts: string[] = []
  const walk = (schema: unknown): void => {
    if (typeof schema !== 'object' || schema === null) return
    if (Array.isArray(schema)) return schema.forEach(walk)
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'description' && typeof value === 'string') texts.push(value)
      else if (key === 'properties' && typeof value === 'object' && value !== null) {
        for (const [name, property] of Object.entries(value)) {
          texts.push(name)
          walk(property)
        }
      } else walk(value)
    }
  }
  for (const [name, f] of Object.entries(functions ?? {})) {
    texts.push(name)
    if (f.description) texts.push(f.description)
    walk(f.params)
  }
  return texts.join(' ')
}

function tooLong(contextSize: number, promptTokens: number, exact: boolean): WardenError {
  const details: ContextLengthExceeded = { contextLengthExceeded: { contextSize, promptTokens, exact } }
  const n = (x: number) => x.toLocaleString('en-US')
  return new WardenError(
    'INVALID_INPUT',
    `The messages take ${exact ? '' : 'at least '}${n(promptTokens)} tokens, but at most ${n(contextSize - 2)} fit: the context holds ${n(contextSize)} tokens and the answer needs room`,
    { hint: 'Send fewer or shorter messages, or give the persona a larger contextSize.', details },
  )
}

/** Template tokens one turn adds beyond its text (measured once per model: 3–10 for common templates). */
export function turnOverhead(model: LlamaModel, chatWrapper: ChatWrapper): number {
  // Templates leave out empty messages: measure with one-letter ones.
  const count = (chatHistory: ChatHistoryItem[]) => chatWrapper.generateContextState({ chatHistory }).contextText.tokenize(model.tokenizer).length
  const one = count([{ type: 'system', text: 'a' }, { type: 'user', text: 'a' }, { type: 'model', response: [] }])
  const two = count([{ type: 'system', text: 'a' }, { type: 'user', text: 'a' }, { type: 'model', response: ['a'] }, { type: 'user', text: 'a' }, { type: 'model', response: [] }])
  return Math.max(1, Math.ceil((two - one) / 2) - model.tokenize('a').length)
}

/**
 * The conversation that fits the context, and its tokens. `refuse` rejects a conversation that does
 * not fit (INVALID_INPUT naming the context size); `dropOldest` leaves out the oldest turns, and
 * rejects only a system prompt and prompt that alone do not fit. The work is bounded by the context
 * size, not by the length of the conversation, and stops soon after `signal` aborts.
 *
 * `dropOldest` leaves out turns in one large step: down to half the room the system prompt and the
 * prompt leave. The window then keeps its start (`keepFrom`) for the turns after, which find it in
 * the sequence's cache, until the context is full again; leaving out a turn or two each time instead
 * would move the window's start, and so re-evaluate the whole window, on every turn.
 */
export async function fitPromptWindow(input: PromptWindowInput, overheadPerTurn: number): Promise<PromptWindow> {
  const { model, chatWrapper, contextSize, signal } = input
  const { appendUserMessageToChatHistory } = await import('node-llama-cpp')
  const breather = new Breather(signal)
  if (signal.aborted) throw cancelled('before its prompt was prepared')
  // LlamaChat wants at least one free cell after the prompt, and generates into the one after that.
  const budget = contextSize - 2
  // A turn to continue is kept whatever happens, like the prompt.
  const pinned = input.continueLastTurn ? input.history.at(-1) : undefined
  const history = pinned ? input.history.slice(0, -1) : input.history

  // A lower bound first, newest turn first, stopping once the context is full.
  let used = 2 * overheadPerTurn
  used += await countTokens(model, input.systemPrompt, budget - used, breather)
  used += await countTokens(model, pinned ? turnText(pinned) : input.prompt, budget - used, breather)
  // The functions' documentation too, so that one too large for the context is refused before it is rendered.
  if (input.functions) used += await countTokens(model, functionsText(input.functions), budget - used, breather)
  if (used > budget) throw tooLong(contextSize, used, false)
  const dropping = input.overflow === 'dropOldest'
  // Room for the answer, where the conversation may be shortened to make it.
  const limit = dropping ? Math.max(used, budget - Math.max(0, input.answerRoom ?? 0)) : budget
  const fixed = used
  const turnTokens: number[] = []
  let kept = 0
  for (let i = history.length - 1; i >= 0; i--) {
    const t = overheadPerTurn + (await countTokens(model, turnText(history[i]), limit - used, breather))
    if (used + t > limit) {
      if (input.overflow === 'refuse') throw tooLong(contextSize, used + t, false)
      break
    }
    used += t
    turnTokens.unshift(t)
    kept++
  }
  // Half the room the system prompt and the prompt leave: what one step of leaving out keeps.
  const half = fixed + (limit - fixed) / 2
  /** Leave out the oldest turns down to `half` (lower bounds), at least one: one large step. */
  const stepDown = () => {
    let last = 0
    do {
      last = turnTokens.shift()!
      used -= last
      kept--
    } while (kept > 0 && used > half)
    // Rather than begin with an answer (left out below), keep the question before it where it fits.
    if (kept && history[history.length - kept].role === 'assistant' && used + last <= limit) {
      turnTokens.unshift(last)
      used += last
      kept++
    }
  }
  const fromCachedStart = history.length - (input.keepFrom ?? -1)
  let stepped = false
  if (dropping && input.keepFrom !== undefined && input.keepFrom >= 0 && input.keepFrom <= history.length && fromCachedStart <= kept) {
    // The turns from the cached window's start still fit: keep them, and its cache with them (even
    // where older turns would fit too: taking them back would change the window's start).
    while (kept > fromCachedStart) {
      used -= turnTokens.shift()!
      kept--
    }
  } else if (dropping && kept < history.length && kept > 0) {
    stepDown()
    stepped = true
  }
  let turns = history.slice(history.length - kept)

  // Then the exact tokens, of a conversation now about the size of the context.
  const contextTokens = (kept: ChatTurn[]): { history: ChatHistoryItem[]; chat: ChatHistoryItem[]; tokens: Token[] } => {
    const history: ChatHistoryItem[] = [{ type: 'system', text: input.systemPrompt }, ...kept.map(toHistoryItem)]
    const chat = pinned ? [...history, toHistoryItem(pinned)] : [...appendUserMessageToChatHistory(history, input.prompt), { type: 'model', response: [] } satisfies ChatHistoryItem]
    return { history, chat, tokens: chatWrapper.generateContextState({ chatHistory: chat, availableFunctions: input.functions }).contextText.tokenize(model.tokenizer) }
  }
  for (;;) {
    // A kept conversation starts with the person speaking, not with an answer to something left out.
    while (dropping && turns.length && turns[0].role === 'assistant' && turns.length < history.length) {
      turns = turns.slice(1)
      used -= turnTokens.shift()!
    }
    kept = turns.length
    const window = contextTokens(turns)
    await breather.after(SLICE_CHARS)
    // The system prompt and the prompt alone may use the answer's room (the answer is then short).
    const excess = window.tokens.length - (turns.length ? limit : budget)
    if (excess <= 0) return { ...window, droppedTurns: history.length - turns.length }
    if (!dropping || turns.length === 0) throw tooLong(contextSize, window.tokens.length, true)
    if (!stepped) {
      // The counts were low (they are lower bounds): take the large step now.
      stepDown()
      stepped = true
    } else {
      // Already stepped: leave out the oldest turns that make up the excess (at least one).
      let freed = 0
      do {
        const t = turnTokens.shift()!
        freed += t
        used -= t
        kept--
      } while (kept > 0 && freed < excess)
    }
    turns = turns.slice(turns.length - kept)
  }
}

/**
 * On a CPU, llama.cpp (3.22's build, F16 cache) evaluates a batch of fewer than 64 tokens one token
 * at a time, and each costs more the longer the window: at position 900, 50 tokens took 221 ms and
 * 64 tokens 18 ms. A warm turn's few new tokens are therefore evaluated with some of the cached
 * tokens before them again, to make a batch this long.
 */
const CPU_MIN_BATCH = 64

/**
 * Evaluate `tokens` (all but the last: LlamaChat evaluates that one to generate) into the sequence,
 * `chunk` tokens at a time, checking `signal` between chunks. What the sequence already holds of
 * them (the same session's earlier turns) is kept. Returns the tokens that were not in the cache.
 */
export async function evaluatePromptWindow(sequence: LlamaContextSequence, tokens: Token[], signal: AbortSignal, chunk: number): Promise<number> {
  const target = tokens.slice(0, -1)
  await sequence.adaptStateToTokens(target, false)
  const reused = sequence.nextTokenIndex
  const model = sequence.model
  const onCpu = model.llama.gpu === false || model.gpuLayers === 0
  if (onCpu && reused > 0 && reused < target.length && target.length - reused < CPU_MIN_BATCH) {
    await sequence.eraseContextTokenRanges([{ start: Math.max(0, target.length - CPU_MIN_BATCH), end: reused }])
  }
  const from = sequence.nextTokenIndex
  for (let at = from; at < target.length; at = sequence.nextTokenIndex) {
    if (signal.aborted) throw cancelled(`while its prompt was evaluated (${at - from} of ${target.length - from} tokens)`)
    await sequence.evaluateWithoutGeneratingNewTokens(target.slice(at, at + chunk))
  }
  if (signal.aborted) throw cancelled('after its prompt was evaluated')
  return target.length - reused
}
