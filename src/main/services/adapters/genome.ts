/**
 * The genome of a request: which LoRA adapters a persona runs with. Pure functions: the similarities
 * come from embeddings computed elsewhere (AdapterSearch), the choice is made here.
 */

/** Cosine similarity of two vectors; 0 when either is all zeros or they differ in length. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return 0
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i]
    na += a[i] * a[i]
    nb += b[i] * b[i]
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb)
}

export interface GenomeCandidate {
  name: string
  /** The base model id the adapter was added (and checked) for; null when none was given. */
  baseModel: string | null
  /** Cosine similarity of the prompt to the adapter's description. */
  similarity: number
}

export interface GenomeChoice {
  name: string
  /** The similarity, or null for a pinned adapter that was not scored. */
  score: number | null
  pinned: boolean
  scale: number
}

export interface GenomeOptions {
  /** The persona's base model id: only adapters added for it are chosen automatically. */
  baseModel: string
  /** Most adapters chosen by similarity (pinned ones come on top). */
  max: number
  /** Least similarity to be chosen. */
  threshold: number
  /** Adapters always used, in order, with their scale. */
  pinned?: ReadonlyArray<{ name: string; scale: number }>
  /** Scale of an automatically chosen adapter (default 1). */
  scale?: number
}

/**
 * The pinned adapters, then the `max` most similar compatible ones at or above `threshold`, best
 * first (ties by name, so the same prompt always gets the same genome). An adapter pinned and also
 * similar enough counts once, as pinned, and does not take an automatic place.
 */
export function selectGenome(candidates: readonly GenomeCandidate[], opts: GenomeOptions): GenomeChoice[] {
  const pinned = opts.pinned ?? []
  const scores = new Map(candidates.map((c) => [c.name, c.similarity]))
  const chosen: GenomeChoice[] = pinned.map((p) => ({ name: p.name, score: scores.get(p.name) ?? null, pinned: true, scale: p.scale }))
  const taken = new Set(pinned.map((p) => p.name))
  const ranked = candidates
    .filter((c) => c.baseModel === opts.baseModel && !taken.has(c.name) && Number.isFinite(c.similarity) && c.similarity >= opts.threshold)
    .sort((a, b) => b.similarity - a.similarity || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, Math.max(0, opts.max))
  for (const c of ranked) chosen.push({ name: c.name, score: c.similarity, pinned: false, scale: opts.scale ?? 1 })
  return chosen
}
