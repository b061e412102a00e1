/**
 * Resume from a checkpoint against re-prefilling the same conversation (part of `npm run bench --
 * inference`; alone: `npm run bench -- checkpoints`). A persona's conversation of about 1,000 and
 * 4,000 tokens on a generated model; its model stays loaded in both, so neither pays a load:
 * - re-prefill: the conversation put back without a state (a new cache key), then the next turn
 *   evaluates it whole;
 * - resume: `persona.resume` (the conversation back, the state loaded into a sequence), then the
 *   same next turn, which evaluates only its new tokens.
 * Same answer both ways (temperature 0); medians of a few runs, the ratio in the same run.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { writeTinyModel } from '../src/main/services/models/tinyGguf'
import { sha256File } from '../src/main/services/fs/atomic'
import { modelFingerprint } from '../src/main/services/inference/PersonaCheckpoints'
import { f0, f1, median, openHost, ratio, SHAPE, SYSTEM, table, withHost, type BenchHost } from './inference'

const RUNS = 3
const SIZES = [1000, 4000]
const NEXT = 'And what comes next?'

export async function checkpointBench(base: string, modelsDir: string): Promise<string> {
  const model = path.join(modelsDir, 'ckpt-bench.gguf')
  await writeTinyModel(model, { name: 'ckpt-bench', seed: 4242, contextLength: 8192, ...SHAPE })
  const rows: string[][] = []
  const notes: string[] = []
  await withHost(await openHost(base, 'checkpoints', modelsDir, {}), async (h) => {
    for (const target of SIZES) {
      const name = `P${target}`
      await h.call('persona.create', { name, model: 'ckpt-bench', systemPrompt: SYSTEM, settings: { temperature: 0, seed: 1, maxTokens: 8, contextSize: 8192 } })
      const persona = h.host.inference.personas.get(name)
      // A conversation of about `target` tokens (this model's vocabulary takes about 1.1 characters a token), then one turn so that the worker holds it.
      const words = 'the keeper climbed the stairs to light the lamp before the storm came in from the sea'.split(' ')
      const messages = []
      for (let i = 0, chars = 0; chars < target * 1.1; i++) {
        const text = Array.from({ length: 40 }, (_, j) => words[(i + j) % words.length]).join(' ')
        messages.push({ seq: i + 1, role: i % 2 ? ('assistant' as const) : ('user' as const), text, at: Date.now() })
        chars += text.length
      }
      h.host.inference.personas.restore(persona.id, messages)
      const first = await h.call('persona.chat', { name, prompt: 'Go on.' })
      const frozen = await h.call('persona.checkpoint', { name })
      const conversation = h.host.inference.personas.conversation(persona.id)
      const prefill: number[] = []
      const resume: number[] = []
      const resumeOnly: number[] = []
      const prefillFirst: number[] = []
      const resumeFirst: number[] = []
      const hashing: number[] = []
      const fingerprint: number[] = []
      const continuing: number[] = []
      const texts = new Set<string>()
      let evaluated = { prefill: 0, resume: 0, prompt: 0 }
      for (let run = 0; run < RUNS; run++) {
        h.host.inference.personas.restore(persona.id, conversation) // a new cache key: nothing cached
        let t = performance.now()
        const coldFirst = firstToken(h, `cold-${target}-${run}`)
        const cold = await h.call('persona.chat', { name, prompt: NEXT }, `cold-${target}-${run}`)
        prefill.push(performance.now() - t)
        prefillFirst.push((await coldFirst) - t)
        t = performance.now()
        await h.call('persona.resume', { name, checkpoint: frozen.id })
        resumeOnly.push(performance.now() - t)
        const warmFirst = firstToken(h, `warm-${target}-${run}`)
        const warm = await h.call('persona.chat', { name, prompt: NEXT }, `warm-${target}-${run}`)
        resume.push(performance.now() - t)
        resumeFirst.push((await warmFirst) - t)
        // The floor: one more turn with the conversation still in the worker (no resume, no prefill).
        const tc = performance.now()
        const contFirst = firstToken(h, `cont-${target}-${run}`)
        await h.call('persona.chat', { name, prompt: NEXT }, `cont-${target}-${run}`)
        continuing.push((await contFirst) - tc)
        const stateFile = findStateFile(h.host.home, frozen.id)
        const th = performance.now()
        if (stateFile) await sha256File(stateFile)
        hashing.push(performance.now() - th)
        const tf = performance.now()
        await modelFingerprint(model)
        fingerprint.push(performance.now() - tf)
        texts.add(cold.text).add(warm.text)
        evaluated = { prefill: cold.evaluatedTokens, resume: warm.evaluatedTokens, prompt: warm.promptTokens }
      }
      rows.push([`~${target} tokens (${first.promptTokens} in the window)`, `${f0(median(prefillFirst))} ms (${evaluated.prefill} evaluated)`, `${f0(median(resumeFirst))} ms (resume call ${f0(median(resumeOnly))}, then the turn ${f0(median(resumeFirst.map((x, i) => x - resumeOnly[i])))}; ${evaluated.resume} evaluated)`, ratio(median(prefillFirst) / median(resumeFirst)), `${f0(median(continuing))} ms`, `${f0(median(prefill))} / ${f0(median(resume))} ms, ${ratio(median(prefill) / median(resume))}`, `${(frozen.bytes / 1024 / 1024).toFixed(1)} MB`])
      notes.push(`  ~${target} tokens: a fresh process's resume hashes the state (sha256 ${f1(median(hashing))} ms, skipped at a resume of a state already hashed unchanged in this process) and the model's header (${f1(median(fingerprint))} ms)`)
      if (texts.size !== 1) notes.push(`  ⚠️  ~${target} tokens: the answers differed (${texts.size} distinct)`)
    }
  })
  return [
    `Resume from a checkpoint vs re-prefilling the same conversation (model loaded in both; ${RUNS} runs, median). Time until the next turn's first token:`,
    `re-prefill: from the turn's request (the whole conversation evaluated); resume: from the persona.resume call (manifest, model fingerprint, state sha256, loadState) through the turn's first token.`,
    table(['conversation', 're-prefill → first token', 'resume → first token', 'speed-up', 'a turn with no resume → first token', 'whole turn (8 tokens): re-prefill / resume', 'checkpoint'], rows),
    ...notes,
  ].join('\n')
}

/** When the call `callId` streams its first text (performance.now()). */
function firstToken(h: BenchHost, callId: string): Promise<number> {
  return new Promise((resolve) => {
    const off = h.host.onEvent((e) => {
      if (e.event === 'persona.token' && (e.payload as { callId: string }).callId === callId) {
        resolve(performance.now())
        off()
      }
    })
  })
}

/** The state file of checkpoint `id` under the host's home. */
function findStateFile(dir: string, id: string): string | null {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (!e.isDirectory()) continue
    if (e.name === id) {
      const f = fs.readdirSync(p).find((n) => n.endsWith('.bin') || n.includes('state'))
      return f ? path.join(p, f) : null
    }
    const found = findStateFile(p, id)
    if (found) return found
  }
  return null
}

export async function runCheckpointBench(): Promise<void> {
  const os = await import('node:os')
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-ckpt-'))
  const modelsDir = path.join(base, 'models')
  fs.mkdirSync(modelsDir)
  try {
    console.log(`Warden checkpoint benchmark (node ${process.version}, ${os.availableParallelism()} cores, CPU only)\n`)
    console.log((await checkpointBench(base, modelsDir)) + '\n')
  } finally {
    fs.rmSync(base, { recursive: true, force: true })
  }
}
