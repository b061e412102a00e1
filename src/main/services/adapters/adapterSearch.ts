import type { AdapterEntry, AdapterStore } from './AdapterStore'
import { descriptionText } from './AdapterStore'
import { cosine } from './genome'

/** Embeds texts with one model; `modelId` says which (the cache key). */
export type EmbedFn = (texts: string[]) => Promise<{ vectors: number[][]; modelId: string }>

export interface ScoredAdapter {
  adapter: AdapterEntry
  similarity: number
}

/**
 * Every adapter (of `baseModel`, when given) with the cosine similarity of `text` to its description
 * (name, description and tags), best first. Description embeddings are cached in each sidecar by
 * embedding model and text hash, so a search embeds only the query and descriptions not seen before.
 */
export async function scoreAdapters(store: AdapterStore, embed: EmbedFn, text: string, baseModel?: string): Promise<{ modelId: string; scored: ScoredAdapter[] }> {
  const adapters = (await store.list()).adapters.filter((a) => baseModel === undefined || a.baseModel === baseModel)
  const query = await embed([text])
  const modelId = query.modelId
  const vectors = new Map<string, number[]>()
  const missing: AdapterEntry[] = []
  for (const a of adapters) {
    const v = store.cachedEmbedding(a.name, modelId)
    if (v) vectors.set(a.name, v)
    else missing.push(a)
  }
  if (missing.length) {
    const r = await embed(missing.map((a) => descriptionText(a)))
    for (const [i, a] of missing.entries()) {
      vectors.set(a.name, r.vectors[i])
      await store.cacheEmbedding(a.name, modelId, r.vectors[i])
    }
  }
  const scored = adapters
    .map((adapter) => ({ adapter, similarity: cosine(query.vectors[0], vectors.get(adapter.name) ?? []) }))
    .sort((a, b) => b.similarity - a.similarity || (a.adapter.name < b.adapter.name ? -1 : 1))
  return { modelId, scored }
}
