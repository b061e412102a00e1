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
import { f0, median, openHost, ratio, SHAPE, SYSTEM, table, withHost } from './inference'

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
      const texts = new Set<string>()
      let evaluated = { prefill: 0, resume: 0, prompt: 0 }
      for (let run = 0; run < RUNS; run++) {
        h.host.inference.personas.restore(persona.id, conversation) // a new cache key: nothing cached
        let t = performance.now()
        const cold = await h.call('persona.chat', { name, prompt: NEXT })
        prefill.push(performance.now() - t)
        t = performance.now()
        await h.call('persona.resume', { name, checkpoint: frozen.id })
        resumeOnly.push(performance.now() - t)
        const warm = await h.call('persona.chat', { name, prompt: NEXT })
        resume.push(performance.now() - t)
        texts.add(cold.text).add(warm.text)
        evaluated = { prefill: cold.evaluatedTokens, resume: warm.evaluatedTokens, prompt: warm.promptTokens }
      }
      rows.push([`~${target} tokens (${first.promptTokens} in the window)`, `${f0(median(prefill))} ms (${evaluated.prefill} evaluated)`, `${f0(median(resume))} ms (resume ${f0(median(resumeOnly))}; ${evaluated.resume} evaluated)`, ratio(median(prefill) / median(resume)), `${(frozen.bytes / 1024 / 1024).toFixed(1)} MB`])
      if (texts.size !== 1) notes.push(`  ⚠️  ~${target} tokens: the answers differed (${texts.size} distinct)`)
    }
  })
  return [
    `Resume from a checkpoint vs re-prefilling the same conversation (model loaded in both; next turn of ${RUNS} runs, median):`,
    table(['conversation', 're-prefill + turn', 'resume + turn', 'speed-up', 'checkpoint'], rows),
    ...notes,
  ].join('\n')
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
