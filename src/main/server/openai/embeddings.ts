import { z } from 'zod'
import { sendJson } from '../requests'
import { count, invalid, parseRequest, rawArray, readJson, type V1Context } from './http'
import { BODY_HINT, CHAT_LIMITS } from './limits'

/** Texts in one request (OpenAI's limit too). */
const MAX_INPUTS = 2048

const EmbeddingRequest = z.object({
  model: z.string().min(1, 'model (a persona name or an installed model id) is required'),
  input: z.union([z.string(), z.array(z.string()).min(1, 'input must hold at least one text')], {
    error: 'input: a string or an array of strings (arrays of token ids are not taken)',
  }),
  encoding_format: z.enum(['float', 'base64']).nullish(),
})

/** An array of texts: bounded, and of strings only, before the request is checked field by field. */
function checkInput(raw: unknown): void {
  const input = rawArray(raw, 'input')
  if (!input) return
  if (input.length > MAX_INPUTS) throw invalid(`input: at most ${count(MAX_INPUTS)} texts in one request, this one has ${count(input.length)}`, 'input')
  const i = input.findIndex((text) => typeof text !== 'string')
  if (i >= 0) throw invalid(`input[${i}]: each text is a string (arrays of token ids are not taken)`, `input[${i}]`)
}

/** A vector as OpenAI's base64 encoding: its float32 values, little-endian, as the SDKs decode them. */
function base64Of(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4)
  vector.forEach((v, i) => bytes.writeFloatLE(v, i * 4))
  return bytes.toString('base64')
}

/**
 * `POST /v1/embeddings`: the embedding vector of each text, from a persona's model (`model` names
 * the persona) or an installed model (its id), in `float` or `base64` (what OpenAI's SDKs ask for by
 * default). A text longer than the embedding context is refused with 400 `context_length_exceeded`.
 */
export async function embeddings(ctx: V1Context): Promise<void> {
  const raw = await readJson(ctx.req, CHAT_LIMITS.maxBodyBytes, BODY_HINT)
  checkInput(raw)
  const r = parseRequest(EmbeddingRequest, raw)
  const texts = typeof r.input === 'string' ? [r.input] : r.input
  if (texts.length > MAX_INPUTS) throw invalid(`input: at most ${count(MAX_INPUTS)} texts in one request, this one has ${count(texts.length)}`, 'input')
  let total = 0
  texts.forEach((text, i) => {
    const param = typeof r.input === 'string' ? 'input' : `input[${i}]`
    if (!text) throw invalid(`${param}: an empty text has no embedding`, param)
    if (text.length > CHAT_LIMITS.maxMessageChars) throw invalid(`${param}: a text holds at most ${count(CHAT_LIMITS.maxMessageChars)} characters, this one has ${count(text.length)}`, param)
    total += text.length
  })
  if (total > CHAT_LIMITS.maxTotalChars) throw invalid(`input: all texts together hold at most ${count(CHAT_LIMITS.maxTotalChars)} characters, these have ${count(total)}`, 'input')
  const result = await ctx.host.inference.embed(r.model, texts, { priority: 'default', signal: ctx.signal })
  const base64 = r.encoding_format === 'base64'
  sendJson(ctx.res, 200, {
    object: 'list',
    data: result.vectors.map((v, index) => ({ object: 'embedding', index, embedding: base64 ? base64Of(v) : v })),
    model: r.model,
    usage: { prompt_tokens: result.tokens, total_tokens: result.tokens },
  })
}
