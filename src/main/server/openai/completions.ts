import { z } from 'zod'
import { sendJson } from '../requests'
import { answerHead, finishReasonOf } from './answer'
import { EventStream } from './eventStream'
import { clientError, count, invalid, parseRequest, rawArray, readJson, type V1Context } from './http'
import { BODY_HINT, CHAT_LIMITS } from './limits'
import { noticeHeaders, samplingFields, samplingOf, usageOf } from './sampling'
import { logFailure } from '../../services/logging/callLog'
import { checkStop, featureFields, stopOf } from '../openaiFeatures'

const CompletionRequest = z.object({
  model: z.string().min(1, 'model (a persona name) is required'),
  /** One prompt: a string, or an array of one string (arrays of token ids are not taken). */
  prompt: z.union([z.string(), z.array(z.string())], { error: 'prompt: a string, or an array of one string (arrays of token ids are not taken)' }),
  /** Put the prompt before the completion in `text`. */
  echo: z.boolean().nullish(),
  stop: featureFields.stop,
  ...samplingFields,
})

/**
 * `POST /v1/completions` (OpenAI's legacy text completions): the persona's model continues the prompt
 * as it is, with no chat template and no system prompt (the persona gives the model and the
 * sampling settings); it ends before the first `stop` text met. `max_tokens` defaults to the persona's `maxTokens`; a prompt longer than the
 * context is refused with 400 `context_length_exceeded`.
 */
export async function completions(ctx: V1Context): Promise<void> {
  const raw = await readJson(ctx.req, CHAT_LIMITS.maxBodyBytes, BODY_HINT)
  // Bounded before the fields are checked one by one (an array of millions of token ids would take seconds).
  const prompts = rawArray(raw, 'prompt')
  if (prompts && prompts.length !== 1) throw invalid(`prompt: Warden completes one prompt per request (a string, or an array of one string), this one has ${count(prompts.length)}`, 'prompt')
  checkStop(raw)
  const r = parseRequest(CompletionRequest, raw)
  const prompt = typeof r.prompt === 'string' ? r.prompt : r.prompt[0]
  if (prompt.length > CHAT_LIMITS.maxMessageChars) throw invalid(`prompt: at most ${count(CHAT_LIMITS.maxMessageChars)} characters, this one has ${count(prompt.length)}`, 'prompt')
  const persona = ctx.host.inference.personas.get(r.model)
  const sampling = samplingOf(r, persona)
  const head = answerHead(ctx.host, persona.name, 'cmpl')
  const choice = (text: string, finish: string | null) => ({ text, index: 0, logprobs: null, finish_reason: finish })
  const call = { persona, prompt, stop: stopOf(r.stop), settings: sampling.settings, priority: 'default' as const, signal: ctx.signal }
  if (!r.stream) {
    const result = await ctx.host.inference.complete(call)
    const finish = finishReasonOf(result)
    const text = r.echo ? prompt + result.text : result.text
    return sendJson(ctx.res, 200, { ...head, object: 'text_completion', choices: [choice(text, finish)], usage: usageOf(result), ...(sampling.notices.length ? { warden: { notices: sampling.notices } } : {}) }, noticeHeaders(sampling.notices))
  }
  const includeUsage = Boolean(r.stream_options?.include_usage)
  const stream = new EventStream(ctx.res, () => noticeHeaders(sampling.notices))
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({ ...head, object: 'text_completion', choices, ...(includeUsage ? { usage: null } : {}), ...extra })
  let echoed = !r.echo
  const send = (text: string, finish: string | null) => {
    if (!echoed) text = prompt + text
    echoed = true
    stream.send(chunk([choice(text, finish)]))
  }
  try {
    const result = await ctx.host.inference.complete({ ...call, onText: (text) => send(text, null) })
    send('', finishReasonOf(result))
    if (includeUsage) stream.send(chunk([], { usage: usageOf(result) }))
    stream.done()
  } catch (error) {
    logFailure(`${ctx.req.method} ${ctx.url.pathname}`, error)
    stream.fail(clientError(error, ctx.signal))
  }
}
