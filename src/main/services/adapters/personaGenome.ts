import type { GenerationResult, GenomeConfig, Persona } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import * as path from 'node:path'
import type { InferenceService } from '../inference/InferenceService'
import type { AdapterIndex } from './AdapterIndex'
import { AdapterStore } from './AdapterStore'
import { scoreAdapters, type EmbedFn } from './adapterSearch'
import { selectGenome, type GenomeCandidate } from './genome'

export interface GenomeSettings {
  embeddingModel: string
  enableGenomicSwapping: boolean
  maxLoRALayersPerPersona: number
  loraSelectionThreshold: number
}

export interface GenomeDeps {
  store: AdapterStore
  settings: () => GenomeSettings
  /** The persona's model: its id, and its file when it is installed. */
  resolveBase: (ref: string) => Promise<{ id: string; path: string | null }>
  /** Embeds with the model named (the embeddingModel setting). */
  embed: (model: string) => EmbedFn
}

/** The adapters folder of a Warden home, with its SQLite index where the caller has one (a store holds no other state). */
export const adapterStoreOf = (s: { home: string; adapterIndex?: AdapterIndex }) => new AdapterStore(path.join(s.home, 'adapters'), s.adapterIndex)

/** A generation answered with the genome chosen for it: each adapter's usage counts it. */
export function recordGenomeUse(s: { adapterIndex?: AdapterIndex }, chosen: { genome: { adapters: Array<{ name: string }> } } | null): void {
  if (chosen) s.adapterIndex?.recordUse(chosen.genome.adapters.map((a) => a.name))
}

/** What choosing a persona's adapters needs, from a host's home and inference: the store, the settings, the persona's model, embeddings. */
export function genomeDeps(s: { home: string; inference: InferenceService }, signal?: AbortSignal): GenomeDeps {
  return {
    // The folder alone: a chat's selection reads it each time, and keeping the index in step costs a
    // listing 1.5x at 1,000 adapters (bench: selection); `adapter list` and `warden doctor` keep it.
    store: adapterStoreOf({ home: s.home }),
    settings: () => s.inference.settings.get(),
    resolveBase: async (ref) => {
      const r = await s.inference.models.resolve(ref)
      return { id: r.id, path: r.path }
    },
    embed: (model) => (texts) => s.inference.embed(model, texts, { priority: 'realtime', signal }),
  }
}

export type AdapterUse = { path: string; scale: number; sha256: string }

/**
 * Checks that each named adapter exists and fits the persona's model: an adapter added for another
 * base model (or for none) has its tensors checked against the model's file. Throws, naming the
 * adapter and the tensor, before any worker sees it.
 */
async function checkUsable(deps: GenomeDeps, persona: Persona, names: string[], base: { id: string; path: string | null }) {
  const entries = []
  for (const name of names) {
    let entry
    try {
      entry = deps.store.get(name)
    } catch (error) {
      if (error instanceof WardenError && error.code === 'NOT_FOUND') {
        throw new WardenError('NOT_FOUND', `${persona.name}'s genome names the adapter ${name}, which is not there`, {
          hint: `See the adapters (warden adapter list), then: warden persona edit ${JSON.stringify(persona.name)} --adapters NAME,…`,
        })
      }
      throw error
    }
    if (entry.baseModel !== base.id) {
      if (!base.path) {
        throw new WardenError('INVALID_INPUT', `The adapter ${name} was not added for ${base.id}, and ${base.id} is not installed yet, so it cannot be checked to fit`, {
          hint: `Install the model first (warden model install ${base.id}), or add the adapter with --base ${base.id}.`,
        })
      }
      await deps.store.checkFits(entry.path, name, { id: base.id, path: base.path })
    }
    entries.push(entry)
  }
  return entries
}

/** A persona's genome after `persona edit --adapters a,b --scales 1,0.5 --genome MODE`: the adapters checked to exist and fit. */
export async function genomeChange(
  deps: GenomeDeps,
  persona: Persona,
  change: { model?: string; adapters?: string[]; scales?: number[]; genome?: GenomeConfig['mode'] },
): Promise<GenomeConfig | undefined> {
  if (change.adapters === undefined && change.scales === undefined && change.genome === undefined) return undefined
  const current = persona.settings.genome
  const names = change.adapters ?? current.adapters.map((a) => a.name)
  if (new Set(names).size !== names.length) throw new WardenError('INVALID_INPUT', 'An adapter is named twice in --adapters')
  let scales: number[]
  if (change.scales) {
    if (change.scales.length !== names.length) {
      throw new WardenError('INVALID_INPUT', `Give one scale per adapter: ${names.length} adapters (${names.join(', ') || 'none'}) but ${change.scales.length} scales`, { hint: 'For example: --adapters poet,coder --scales 1,0.5' })
    }
    scales = change.scales
  } else {
    scales = names.map((n) => current.adapters.find((a) => a.name === n)?.scale ?? 1)
  }
  const mode = change.genome ?? (change.adapters?.length && current.mode === 'none' ? 'fixed' : current.mode)
  // Mode none uses no adapter: nothing to check (and a genome naming a removed adapter can be switched off).
  if (mode !== 'none') await checkUsable(deps, persona, names, await deps.resolveBase(change.model ?? persona.model))
  return { mode, adapters: names.map((name, i) => ({ name, scale: scales[i] })) }
}

/**
 * The adapters a persona answers `prompt` with, and the genome reported with the answer: null in
 * mode `none`. `fixed`: its pinned adapters. `auto`: those, plus (with enableGenomicSwapping) the
 * adapters added for its model whose description is most similar to the prompt (selectGenome).
 */
export async function resolvePersonaGenome(deps: GenomeDeps, persona: Persona, prompt: string): Promise<{ adapters: AdapterUse[]; genome: NonNullable<GenerationResult['genome']> } | null> {
  const g = persona.settings.genome
  if (g.mode === 'none') return null
  const settings = deps.settings()
  const base = await deps.resolveBase(persona.model)
  let candidates: GenomeCandidate[] = []
  let embeddingModel: string | null = null
  if (g.mode === 'auto' && settings.enableGenomicSwapping && (await deps.store.list()).adapters.some((a) => a.baseModel === base.id)) {
    if (!settings.embeddingModel) {
      throw new WardenError('INVALID_INPUT', `${persona.name} chooses adapters by similarity (genome mode auto), but no embedding model is set`, {
        hint: `Set one: warden config set embeddingModel MODEL_ID, or fix the adapters: warden persona edit ${JSON.stringify(persona.name)} --genome fixed`,
      })
    }
    const { modelId, scored } = await scoreAdapters(deps.store, deps.embed(settings.embeddingModel), prompt, base.id)
    embeddingModel = modelId
    candidates = scored.map((s) => ({ name: s.adapter.name, baseModel: s.adapter.baseModel, similarity: s.similarity }))
  }
  const chosen = selectGenome(candidates, { baseModel: base.id, max: settings.maxLoRALayersPerPersona, threshold: settings.loraSelectionThreshold, pinned: g.adapters })
  const entries = await checkUsable(deps, persona, chosen.map((c) => c.name), base)
  return {
    adapters: entries.map((e, i) => ({ path: e.path, scale: chosen[i].scale, sha256: e.sha256 })),
    genome: { mode: g.mode, adapters: chosen.map((c) => ({ name: c.name, scale: c.scale, score: c.score, pinned: c.pinned })), embeddingModel },
  }
}
