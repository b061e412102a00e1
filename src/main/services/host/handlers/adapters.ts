import type { adapterOperations } from '../../../../shared/contract/domains/adapters'
import { WardenError } from '../../../../shared/errors'
import { scoreAdapters } from '../../adapters/adapterSearch'
import { adapterStoreOf } from '../../adapters/personaGenome'
import type { HandlersOf, HostServices } from './context'

/** The model that embeds for adapter search: the one asked for, else the embeddingModel setting. */
function embeddingModelOf(s: HostServices, asked: string | undefined): string {
  const model = asked ?? s.settings.get().embeddingModel
  if (!model) {
    throw new WardenError('INVALID_INPUT', 'No embedding model is set: adapter search embeds texts with one', {
      hint: 'Set an installed model: warden config set embeddingModel MODEL_ID (or pass --embedding-model MODEL_ID).',
    })
  }
  return model
}

export function adapterHandlers(s: HostServices) {
  return {
    'adapter.add': async ({ path: file, name, description, tags, base }) => {
      let baseModel: { id: string; path: string } | null = null
      if (base) {
        const resolved = await s.inference.models.resolve(base)
        if (!resolved.path) throw new WardenError('NOT_FOUND', `The model ${resolved.id} is not installed, so the adapter cannot be checked against it`, { hint: `Install it first: warden model install ${resolved.id}` })
        baseModel = { id: resolved.id, path: resolved.path }
      }
      return adapterStoreOf(s).add({ file, name, description, tags, base: baseModel })
    },
    'adapter.list': async () => {
      const store = adapterStoreOf(s)
      const { adapters, problems } = await store.list()
      const usage = s.adapterIndex.usage()
      return { adapters: adapters.map((a) => ({ ...a, usage: usage.get(a.name) ?? { generations: 0, lastUsedAt: null } })), problems, dir: store.dir }
    },
    'adapter.inspect': async ({ name }) => adapterStoreOf(s).inspect(name),
    'adapter.remove': async ({ name }) => adapterStoreOf(s).remove(name),
    'adapter.search': async ({ text, model, embeddingModel }, ctx) => {
      const ref = embeddingModelOf(s, embeddingModel)
      const embed = (texts: string[]) => s.inference.embed(ref, texts, { priority: 'default', signal: ctx.signal })
      const { modelId, scored } = await scoreAdapters(adapterStoreOf(s), embed, text, model)
      return {
        embeddingModel: modelId,
        results: scored.map(({ adapter, similarity }) => ({ name: adapter.name, similarity, baseModel: adapter.baseModel, description: adapter.description })),
      }
    },
    'embedding.create': async ({ model, text }, ctx) => {
      const r = await s.inference.embed(model, [text], { priority: 'default', signal: ctx.signal })
      return { model: r.modelId, dimensions: r.vectors[0].length, tokens: r.tokens, vector: r.vectors[0] }
    },
  } satisfies HandlersOf<typeof adapterOperations>
}
