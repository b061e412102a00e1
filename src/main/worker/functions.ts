/**
 * Function calling (OpenAI's `tools`) through node-llama-cpp: the model's calls are returned, never
 * run. Functions are given to LlamaChat without handlers, so it stops at a call and hands it back
 * (stopReason `functionCalls`); a call that must happen (`required`) starts the answer in the chat
 * template's function-calling mode, as node-llama-cpp does for templates that always call.
 */
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, ChatWrapper, ChatWrapperGenerateContextStateOptions, ChatWrapperGeneratedContextState, ChatWrapperGeneratedPrefixTriggersContextState, GbnfJsonSchema } from 'node-llama-cpp'
import { WardenError } from '../../shared/errors'
import type { ChatTurn, FunctionSpec } from '../services/workers/protocol'

/** The functions as node-llama-cpp takes them (no handlers: calls come back to the caller). */
export function chatFunctions(specs: FunctionSpec[] | undefined): ChatModelFunctions | undefined {
  if (!specs?.length) return undefined
  const functions: Record<string, ChatModelFunctions[string]> = {}
  for (const f of specs) functions[f.name] = { description: f.description, params: f.params as GbnfJsonSchema | undefined }
  return functions
}

/** JSON text as a value; text that is not JSON stays text. */
function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** A turn of the conversation as node-llama-cpp's chat history holds it; an assistant's calls and their results go inside its response. */
export function toHistoryItem(t: ChatTurn): ChatHistoryItem {
  if (t.role === 'user') return { type: 'user', text: t.text }
  const calls = (t.toolCalls ?? []).map((c): ChatModelFunctionCall => ({ type: 'functionCall', name: c.name, params: parsedOrText(c.arguments), result: parsedOrText(c.result) }))
  return { type: 'model', response: [...(t.text || !calls.length ? [t.text] : []), ...calls] }
}

/** The text of a turn that its tokens come from (for counting them before the exact rendering). */
export function turnText(t: ChatTurn): string {
  return t.toolCalls?.length ? [t.text, ...t.toolCalls.flatMap((c) => [c.name, c.arguments, c.result])].join(' ') : t.text
}

/**
 * The chat wrapper, changed so that the answer starts in function-calling mode: the model must call
 * one of the functions it is given (and can only call those: node-llama-cpp constrains the name and
 * the arguments with grammars). Templates whose wrapper engages functions its own way are refused.
 */
export function forcingFunctionCall(wrapper: ChatWrapper, LlamaText: typeof import('node-llama-cpp').LlamaText): ChatWrapper {
  const prefix = wrapper.settings.functions?.call.prefix
  if (prefix === undefined) throw new WardenError('INVALID_INPUT', `This model's chat template (${wrapper.wrapperName}) cannot call functions`, { hint: 'Use tool_choice "auto" or "none".' })
  const forced = Object.create(wrapper) as ChatWrapper
  forced.generateContextState = (options: ChatWrapperGenerateContextStateOptions): ChatWrapperGeneratedContextState => {
    const state = wrapper.generateContextState.call(forced, options)
    if ('functionCall' in state && (state.functionCall || state.ignoreStartText)) {
      throw new WardenError('INVALID_INPUT', `This model's chat template (${wrapper.wrapperName}) decides on its own when to call a function, so a call cannot be required`, {
        hint: 'Use tool_choice "auto".',
      })
    }
    const { contextText, stopGenerationTriggers, rerender } = state as ChatWrapperGeneratedPrefixTriggersContextState
    return { contextText, stopGenerationTriggers, rerender, noPrefixTrigger: { type: 'functionCall', inject: LlamaText(prefix) }, detectFunctionCalls: true }
  }
  return forced
}

/** The calls of a response, with their arguments as JSON text. */
export function toolCallsOf(calls: ReadonlyArray<{ functionName: string; params: unknown }> | undefined): Array<{ name: string; arguments: string }> {
  return (calls ?? []).map((c) => ({ name: c.functionName, arguments: JSON.stringify(c.params ?? {}) }))
}
