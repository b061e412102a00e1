/**
 * LoRA adapter hot-swap in the worker (BENCH_PART=adapters): the engine keeps a context per adapter
 * set (src/main/worker/contexts.ts). Time to first token of a request whose adapter set differs from
 * the previous one, against the same set again (the baseline, measured in the same run), against
 * making a context with those adapters in node-llama-cpp directly, and against the seed's 500 ms;
 * and the swapped answer checked against a fresh engine's with the same set (temperature 0).
 */
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { writeTinyLora } from '../src/main/services/models/tinyGguf'
import type { AdapterRef, ChatTurn, GenerateRequest } from '../src/main/services/workers/protocol'
import { MAX_ADAPTER_CONTEXTS } from '../src/main/worker/contexts'
import { InferenceEngine } from '../src/main/worker/InferenceEngine'

const RUNS = 40
const SEED_SWAP_MS = 500
const PROMPT = 'Tell me about the weather in spring.'

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const f1 = (x: number) => x.toFixed(1)

let ids = 0
function request(adapters: AdapterRef[] | undefined, maxTokens: number): GenerateRequest {
  // A new session each time: the prompt is evaluated in full, so only the adapter set differs between runs.
  const id = String(ids++)
  return { type: 'generate', id, sessionKey: `bench-${id}`, systemPrompt: 'You are terse.', history: [], prompt: PROMPT, temperature: 0, topP: 1, maxTokens, seed: null, overflow: 'dropOldest', adapters, keepCache: false }
}

/** Milliseconds from the request to its first token. */
async function ttft(engine: InferenceEngine, adapters: AdapterRef[] | undefined): Promise<number> {
  const start = performance.now()
  let first: number | null = null
  await engine.generate(request(adapters, 2), () => (first ??= performance.now()))
  return (first ?? performance.now()) - start
}

async function loadEngine(modelPath: string): Promise<InferenceEngine> {
  const e = new InferenceEngine()
  await e.load({ type: 'load', id: 'load', modelPath, gpuLayers: 0, sequences: 2, contextSize: 1024, threads: 1 })
  return e
}

export async function adapterBench(base: string, modelPath: string, shape: { layers: number; embd: number; heads: number; ff: number }): Promise<string> {
  const dir = path.join(base, 'adapters')
  const files = await Promise.all([1, 2, 3].map((i) => writeTinyLora(path.join(dir, `lora-${i}.gguf`), { seed: 70 + i, base: shape, targets: ['attn_q', 'attn_v', 'ffn_up'] })))
  const ref = (i: number, scale = 1): AdapterRef => ({ path: files[i].path, scale, sha256: files[i].sha256 })
  const A = [ref(0)]
  const B = [ref(1), ref(2, 0.5)]
  // More sets than the engine keeps contexts for: cycling through them makes a context every time.
  const many = Array.from({ length: MAX_ADAPTER_CONTEXTS + 2 }, (_, i) => [ref(i % 3, 0.2 + 0.1 * i)])

  const engine = await loadEngine(modelPath)
  try {
    // Warm up: the adapters' weights loaded into the model, both contexts made, the code paths run.
    for (let i = 0; i < 3; i++) for (const set of [undefined, A, B]) await ttft(engine, set)
    // Interleaved (the machine's load drifts): each swap measured next to the same set again after
    // itself, whose time holds the adapters' own compute but no swap.
    const pairs = async (x: AdapterRef[] | undefined, y: AdapterRef[] | undefined, swap: number[], same: number[]) => {
      for (let i = 0; i < RUNS / 2; i++) {
        swap.push(await ttft(engine, y)) // y after x
        same.push(await ttft(engine, y)) // y after y
        swap.push(await ttft(engine, x)) // x after y
        same.push(await ttft(engine, x)) // x after x
      }
    }
    const swapKept: number[] = []
    const sameKept: number[] = []
    await pairs(A, B, swapKept, sameKept)
    const swapBase: number[] = []
    const sameBase: number[] = []
    await pairs(undefined, A, swapBase, sameBase)
    const swapNew: number[] = []
    const sameNew: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const set = many[i % many.length] // its context was freed since it was last used (more sets than are kept)
      swapNew.push(await ttft(engine, set))
      sameNew.push(await ttft(engine, set))
    }

    // The design's other half: a persona going back to its genome after another one ran. Here its
    // conversation is still in its set's context; one context whose adapters were swapped would have
    // had its KV cache cleared, and the turn would evaluate the whole conversation again.
    const history: ChatTurn[] = []
    for (let i = 0; i < 12; i++) {
      const r = await engine.generate({ ...request(A, 24), sessionKey: 'persona', history: [...history], prompt: `${PROMPT} Part ${i}.`, keepCache: true }, () => undefined)
      history.push({ role: 'user', text: `${PROMPT} Part ${i}.` }, { role: 'assistant', text: r.text })
    }
    const back: number[] = []
    const cleared: number[] = []
    let warmTokens = 0
    let coldTokens = 0
    for (let i = 0; i < 10; i++) {
      await ttft(engine, B) // another persona's genome ran in between
      const next = { ...request(A, 2), history: [...history], prompt: `And then? (${i})`, keepCache: true }
      let t = performance.now()
      let first: number | null = null
      const warm = await engine.generate({ ...next, sessionKey: 'persona' }, () => (first ??= performance.now()))
      back.push((first ?? performance.now()) - t)
      warmTokens = warm.evaluatedTokens
      t = performance.now()
      first = null
      const cold = await engine.generate({ ...next, sessionKey: `cleared-${i}` }, () => (first ??= performance.now()))
      cleared.push((first ?? performance.now()) - t)
      coldTokens = cold.evaluatedTokens
    }
    const stats = await engine.stats()

    // Making a context with the same adapters in node-llama-cpp directly (what a fresh context costs).
    const { getLlama } = await import('node-llama-cpp')
    const llama = await getLlama({ gpu: false, build: 'never', usePrebuiltBinaries: true, skipDownload: true, progressLogs: false })
    const model = await llama.loadModel({ modelPath, gpuLayers: 0 })
    const create: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now()
      const ctx = await model.createContext({ contextSize: 1024, sequences: 2, threads: 1, lora: { adapters: B.map((a) => ({ filePath: a.path, scale: a.scale })) } })
      create.push(performance.now() - t)
      await ctx.dispose()
    }
    await model.dispose()
    await llama.dispose()

    // Correctness: answers after swaps equal a fresh engine's with the same set.
    const sets: Array<AdapterRef[] | undefined> = [A, undefined, B, many[0], A, B]
    let identical = 0
    for (const set of sets) {
      const swapped = (await engine.generate(request(set, 24), () => undefined)).text
      const fresh = await loadEngine(modelPath)
      const expected = (await fresh.generate(request(set, 24), () => undefined)).text
      await fresh.dispose()
      if (swapped === expected) identical++
    }

    const line = (label: string, xs: number[]) => `   ${label.padEnd(58)} p50 ${f1(pct(xs, 50)).padStart(6)}  p99 ${f1(pct(xs, 99)).padStart(6)}`
    const row = (label: string, swap: number[], same: number[]) => {
      const cost = pct(swap, 50) - pct(same, 50)
      return [
        line(`${label}: swapped`, swap),
        `${line('   the same set again (baseline)', same)}  swap cost p50 ${f1(cost).padStart(5)} ms${cost >= 0.5 ? ` (the seed's ${SEED_SWAP_MS} ms / ${f1(SEED_SWAP_MS / cost)})` : ' (within noise)'}`,
      ]
    }
    return [
      `6. LoRA adapter hot-swap (in-process engine, ${RUNS} requests each; time to first token of a ${PROMPT.length}-character prompt in a new session, ms):`,
      ...row('A (1 adapter) ↔ B (2 adapters), both contexts kept', swapKept, sameKept),
      ...row('A ↔ no adapters', swapBase, sameBase),
      ...row(`to a set whose context was freed (${many.length} sets, ${MAX_ADAPTER_CONTEXTS} kept)`, swapNew, sameNew),
      `   A persona back on its genome after another's (12-turn conversation): its context kept, first token p50 ${f1(pct(back, 50))} ms (${warmTokens} tokens evaluated); ` +
        `one context with swapped adapters, cache cleared: p50 ${f1(pct(cleared, 50))} ms (${coldTokens} tokens evaluated), ${f1(pct(cleared, 50) / pct(back, 50))}x`,
      `   node-llama-cpp createContext with the same 2 adapters (a fresh context): p50 ${f1(pct(create, 50))}  p99 ${f1(pct(create, 99))} ms`,
      `   Answers after a swap identical to a fresh engine's with the same set: ${identical}/${sets.length}`,
      `   Adapter memory in the worker after the runs: ${(stats.adapterBytes! / 1024 / 1024).toFixed(1)} MiB (adapter weights + ${stats.adapterContexts} adapter contexts' state)`,
    ].join('\n')
  } finally {
    await engine.dispose()
  }
}
