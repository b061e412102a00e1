import { count } from './http'

/**
 * What one chat completion request may hold, sized for local models: the largest context Warden
 * loads is 131,072 tokens, about 500,000 characters of text, so a request past these can never be
 * answered and is refused before it costs a worker anything.
 */
export const CHAT_LIMITS = {
  /** Bytes of the request body (413 beyond). */
  maxBodyBytes: 8 * 1024 * 1024,
  /** Messages in one request (400 beyond). */
  maxMessages: 1000,
  /** Characters of one message's text (400 beyond). */
  maxMessageChars: 1_000_000,
  /** Characters of all the messages' text together (400 beyond). */
  maxTotalChars: 2_000_000,
  /** Parts of the messages' contents (`[{type: "text", text}, …]`), all messages together (400 beyond). */
  maxContentParts: 10_000,
  /** Tool calls of the assistant messages, all together (400 beyond; at most 128 in one message). */
  maxToolCalls: 10_000,
} as const

export const BODY_HINT = `Warden takes at most ${count(CHAT_LIMITS.maxMessages)} messages and ${count(CHAT_LIMITS.maxTotalChars)} characters of text in one request.`

