/**
 * Genome selection cost (BENCH_PART=selection): what choosing a persona's adapters by similarity
 * costs each chat, with 10 and 1,000 adapters registered for its model: embedding the task (the
 * prompt, through the model's worker), reading the registry (listing the sidecars and their cached
 * description embeddings), ranking (cosine + selectGenome), and resolvePersonaGenome end to end
 * (which also resolves the model and checks the chosen adapters). Description embeddings are cached
 * in the sidecars by a first search, as they are after the first chat.
 */
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { writeTinyModel, writeTinyLora } from '../src/main/services/models/tinyGguf'
import { AdapterStore } from '../src/main/services/adapters/AdapterStore'
import { scoreAdapters } from '../src/main/services/adapters/adapterSearch'
import { cosine, selectGenome } from '../src/main/services/adapters/genome'
import { genomeDeps, resolvePersonaGenome } from '../src/main/services/adapters/personaGenome'
import { f1, openHost, SHAPE, SYSTEM, withHost } from './inference'

const RUNS = 30
const COUNTS = [10, 1000]
const TOPICS = ['poems about the sea', 'TypeScript compilers', 'cooking with lentils', 'medieval history', 'tax law', 'birdwatching', 'chess openings', 'jazz harmony', 'knitting', 'orbital mechanics']
const PROMPTS = ['Write a short poem about waves.', 'Why does my generic type not narrow?', 'How long should lentils simmer?', 'Who won the battle of Hastings?']

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

export async function selectionBench(base: string, modelsDir: string): Promise<string> {
  const model = path.join(modelsDir, 'sel-bench.gguf')
  await writeTinyModel(model, { name: 'sel-bench', seed: 5151, ...SHAPE })
  const lora = await writeTinyLora(path.join(base, 'sel-src', 'lora.gguf'), { seed: 9, base: SHAPE, targets: ['attn_q'] })
  const lines: string[] = []
  for (const count of COUNTS) {
    await withHost(await openHost(base, `selection-${count}`, modelsDir, { embeddingModel: 'sel-bench', enableGenomicSwapping: 'true', loraSelectionThreshold: 0 }), async (h) => {
      // As a chat's selection reads it (the folder alone), and as `adapter list` does (kept in step with its SQLite index).
      const folderOnly = new AdapterStore(path.join(h.host.home, 'adapters'))
      const store = folderOnly
      const indexedStore = new AdapterStore(path.join(h.host.home, 'adapters'), h.host.adapterIndex)
      for (let i = 0; i < count; i++) {
        const topic = TOPICS[i % TOPICS.length]
        await store.add({ file: lora.path, name: `a${String(i).padStart(4, '0')}`, description: `Answers questions about ${topic}, variant ${i}`, tags: [topic.split(' ')[0]], base: { id: 'sel-bench', path: model } })
      }
      await h.call('persona.create', { name: 'Sel', model: 'sel-bench', systemPrompt: SYSTEM, settings: { temperature: 0 } })
      await h.call('persona.update', { name: 'Sel', genome: 'auto' })
      const persona = h.host.inference.personas.get('Sel')
      const deps = genomeDeps({ home: h.host.home, inference: h.host.inference })
      const embed = deps.embed('sel-bench')
      const settings = deps.settings()
      // First search: every description embedded and cached in its sidecar (once per adapter and embedding model).
      let t = performance.now()
      await scoreAdapters(store, embed, PROMPTS[0], 'sel-bench')
      const firstSearch = performance.now() - t
      const m = { embed: [] as number[], registry: [] as number[], indexed: [] as number[], folderOnly: [] as number[], rank: [] as number[], total: [] as number[] }
      let chosen = 0
      for (let run = 0; run < RUNS; run++) {
        const prompt = `${PROMPTS[run % PROMPTS.length]} (${run})`
        t = performance.now()
        const q = await embed([prompt])
        m.embed.push(performance.now() - t)
        t = performance.now()
        const adapters = (await store.list()).adapters.filter((a) => a.baseModel === 'sel-bench')
        const vectors = adapters.map((a) => store.cachedEmbedding(a.name, q.modelId))
        m.registry.push(performance.now() - t)
        // Alternated, so neither gets the other's warm caches only.
        for (const [s, xs] of (run % 2 ? [[indexedStore, m.indexed], [folderOnly, m.folderOnly]] : [[folderOnly, m.folderOnly], [indexedStore, m.indexed]]) as Array<[AdapterStore, number[]]>) {
          t = performance.now()
          await s.list()
          xs.push(performance.now() - t)
        }
        t = performance.now()
        const candidates = adapters.map((a, i) => ({ name: a.name, baseModel: a.baseModel, similarity: cosine(q.vectors[0], vectors[i] ?? []) }))
        selectGenome(candidates, { baseModel: 'sel-bench', max: settings.maxLoRALayersPerPersona, threshold: settings.loraSelectionThreshold })
        m.rank.push(performance.now() - t)
        t = performance.now()
        const r = await resolvePersonaGenome(deps, persona, prompt)
        m.total.push(performance.now() - t)
        chosen = r?.adapters.length ?? 0
      }
      const row = (label: string, xs: number[]) => `     ${label.padEnd(62)} p50 ${f1(pct(xs, 50)).padStart(7)}  p99 ${f1(pct(xs, 99)).padStart(7)} ms`
      lines.push(
        `   ${count} adapters registered (${RUNS} chats; first search, embedding all ${count} descriptions: ${f1(firstSearch)} ms; ${chosen} chosen):`,
        row('embedding the task (the prompt, in the worker)', m.embed),
        row('reading the registry (list + cached description embeddings)', m.registry),
        row('  of which listing the folder (as a chat does)', m.folderOnly),
        row('  listing kept in step with the SQLite index (adapter list)', m.indexed),
        `     keeping the index in step costs a listing ${f1(pct(m.indexed, 50) - pct(m.folderOnly, 50))} ms at p50 (${f1(pct(m.indexed, 50) / Math.max(0.01, pct(m.folderOnly, 50)))}x)`,
        row('ranking (cosine + selectGenome)', m.rank),
        row('total: resolvePersonaGenome (embed, registry, rank, checks)', m.total),
      )
    })
  }
  return [`7. Genome selection cost per chat (genome mode auto; model ${SHAPE.embd}-dimensional embeddings):`, ...lines].join('\n')
}
