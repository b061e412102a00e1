import type { personaOperations } from '../../../../shared/contract/domains/personas'
import type { HandlersOf, HostServices } from './context'

export function personaHandlers(s: HostServices) {
  return {
    'persona.list': async () => ({ personas: s.inference.personas.list() }),
    'persona.create': async (input) => s.inference.createPersona(input),
    'persona.update': async ({ name, ...change }) => s.inference.updatePersona(name, change),
    'persona.delete': async ({ name }) => ({ name: (await s.inference.deletePersona(name)).name, deleted: true }),
    'persona.history': async ({ name }) => {
      const p = s.inference.personas.get(name)
      return { name: p.name, messages: s.inference.personas.history(p.id) }
    },
    'persona.clear': async ({ name }) => {
      const { persona, cleared } = s.inference.clearConversation(name)
      return { name: persona.name, cleared }
    },
    'persona.chat': async (input, ctx) =>
      s.inference.chat(input, { signal: ctx.signal, onText: (text) => ctx.streamText(input.name, text), onProgress: ctx.progress }),
  } satisfies HandlersOf<typeof personaOperations>
}
