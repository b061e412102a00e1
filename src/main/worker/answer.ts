/**
 * One answer, generated with node-llama-cpp's LlamaChat from a prompt window that is already
 * evaluated into the sequence: plain text, or text ended by stop texts, shaped by a grammar
 * (`response_format`), or a call of one of the caller's functions (`tools`), with each token's
 * log probability when asked.
 */
import type { ChatHistoryItem, ChatWrapper, Llama, LlamaContextSequence, LlamaModel } from 'node-llama-cpp'
import { WardenError } from '../../shared/errors'
import type { GenerateRequest, GenerateResult, TokenLogprob } from '../services/workers/protocol'
import { chatFunctions, forcingFunctionCall, toolCallsOf } from './functions'
import type { GrammarCache } from './grammars'
import { TokenProbabilities } from './logprobs'
import { observeTokens } from './observeTokens'
import { TokenStatsMeter, vocabularySizeOf } from './tokenStats'

export interface AnswerInput {
  llama: Llama
  model: LlamaModel
  sequence: LlamaContextSequence
  chatWrapper: ChatWrapper
  grammars: GrammarCache
  /** The chat to answer, ending with the model response to fill (see PromptWindow.chat). */
  chat: ChatHistoryItem[]
  request: GenerateRequest
  signal: AbortSignal
  onText: (text: string, logprobs?: TokenLogprob[]) => void
}

export type Answer = Pick<GenerateResult, 'text' | 'tokens' | 'finishReason' | 'toolCalls' | 'logprobs' | 'stats'>

export async function generateAnswer(input: AnswerInput): Promise<Answer> {
  const { request: req, sequence } = input
  const { LlamaChat, LlamaText } = await import('node-llama-cpp')
  const functions = chatFunctions(req.functions)
  if (functions && req.grammar) throw new WardenError('INVALID_INPUT', 'A response format cannot be combined with functions the model may call')
  const grammar = req.grammar ? await input.grammars.get(input.llama, req.grammar) : undefined
  const chatWrapper = functions && req.functionCall === 'required' ? forcingFunctionCall(input.chatWrapper, LlamaText) : input.chatWrapper
  const probabilities = req.logprobs ? new TokenProbabilities(input.model, req.logprobs.top) : null
  const meter = req.measure === false ? null : new TokenStatsMeter({ vocabularySize: vocabularySizeOf(input.model), greedy: req.temperature === 0 })
  const restore = observeTokens(sequence, [probabilities, meter].filter((o) => o !== null))
  const chat = new LlamaChat({ contextSequence: sequence, chatWrapper, autoDisposeSequence: false })
  try {
    const logprobs: TokenLogprob[] = []
    const generatedBefore = sequence.tokenMeter.usedOutputTokens
    const out = await chat.generateResponse(input.chat, {
      maxTokens: req.maxTokens,
      temperature: req.temperature,
      topP: req.topP,
      seed: req.seed ?? undefined,
      signal: input.signal,
      stopOnAbortSignal: true,
      customStopTriggers: req.stop?.length ? req.stop : undefined,
      ...(functions ? { functions } : { grammar }),
      onResponseChunk: (chunk) => {
        if (chunk.type !== undefined) return // a segment (such as a model's thoughts) is not part of the answer
        const tokenLogprobs = probabilities?.take(chunk.tokens)
        if (tokenLogprobs) logprobs.push(...tokenLogprobs)
        if (chunk.text || tokenLogprobs?.length) input.onText(chunk.text, tokenLogprobs)
      },
    })
    const toolCalls = toolCallsOf(out.functionCalls)
    const stop = out.metadata.stopReason
    const finishReason = toolCalls.length ? 'toolCalls' : stop === 'abort' ? 'cancelled' : stop === 'maxTokens' ? 'length' : 'stop'
    return {
      text: out.response,
      tokens: sequence.tokenMeter.usedOutputTokens - generatedBefore,
      finishReason,
      ...(toolCalls.length ? { toolCalls } : {}),
      ...(probabilities ? { logprobs } : {}),
      ...(meter ? { stats: meter.finish(finishReason) } : {}),
    }
  } finally {
    chat.dispose({ disposeSequence: false })
    restore()
  }
}
