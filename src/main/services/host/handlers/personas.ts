import type { personaOperations } from '../../../../shared/contract/domains/personas'
import { genomeChange, genomeDeps, recordGenomeUse, resolvePersonaGenome } from '../../adapters/personaGenome'
import type { HandlersOf, HostServices } from './context'

export function personaHandlers(s: HostServices) {
  return {
    'persona.list': async () => ({ personas: s.inference.personas.list() }),
    'persona.create': async (input) => s.inference.createPersona(input),
    'persona.update': async ({ name, adapters, scales, genome: mode, ...change }) => {
      const genome = await genomeChange(genomeDeps(s), s.inference.personas.get(name), { model: change.model, adapters, scales, genome: mode })
      return s.inference.updatePersona(name, genome ? { ...change, settings: { ...change.settings, genome } } : change)
    },
    'persona.delete': async ({ name }) => ({ name: (await s.inference.deletePersona(name)).name, deleted: true }),
    'persona.history': async ({ name }) => {
      const p = s.inference.personas.get(name)
      return { name: p.name, messages: s.inference.personas.history(p.id) }
    },
    'persona.clear': async ({ name }) => {
      const { persona, cleared } = s.inference.clearConversation(name)
      return { name: persona.name, cleared }
    },
    'persona.chat': async (input, ctx) => {
      const chosen = await resolvePersonaGenome(genomeDeps(s, ctx.signal), s.inference.personas.get(input.name), input.prompt)
      const result = await s.inference.chat({ ...input, adapters: chosen?.adapters }, { signal: ctx.signal, onText: (text) => ctx.streamText(input.name, text), onProgress: ctx.progress })
      recordGenomeUse(s, chosen)
      return chosen ? { ...result, genome: chosen.genome } : result
    },
  } satisfies HandlersOf<typeof personaOperations>
}
