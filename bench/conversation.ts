/**
 * A long conversation with one persona (part of `npm run bench -- inference`; alone:
 * `npm run bench -- conversation`, CONV_TURNS=n for another length). The persona's context is small,
 * so the conversation outgrows it early and stays over it: what Warden does at the overflow decides
 * whether a turn costs its own tokens or the whole window again. Figures per window of turns:
 * latency (persona.chat wall time) and the worker's CPU time per turn, against the first window and
 * against a fresh turn (another persona, no history) measured in the same run.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { writeTinyModel } from '../src/main/services/models/tinyGguf'
import { f0, median, openHost, PROMPTS, ratio, SHAPE, SYSTEM, table, timedChat, withHost, type BenchHost } from './inference'

const CONTEXT = 1024
const MAX_TOKENS = 16
const WINDOW = 50

/** CPU time (user + system) a process has used so far, in ms; NaN where /proc is not there. */
function cpuMs(pid: number | null | undefined): number {
  if (!pid) return NaN
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return NaN
  }
}

interface Turn {
  ms: number
  cpu: number
  promptTokens: number
  evaluated: number
}

async function turn(h: BenchHost, name: string, prompt: string, stateless: boolean): Promise<Turn> {
  const pid = h.host.inference.scheduler.list()[0]?.pid
  const before = cpuMs(pid)
  const { r, ms } = await (stateless ? timedChat(h, name, prompt) : timedTurn(h, name, prompt))
  return { ms, cpu: cpuMs(pid) - before, promptTokens: r.promptTokens, evaluated: r.evaluatedTokens }
}

async function timedTurn(h: BenchHost, name: string, prompt: string) {
  const t = performance.now()
  const r = await h.call('persona.chat', { name, prompt })
  return { r, ms: performance.now() - t }
}

export async function conversationBench(base: string, modelsDir: string): Promise<string> {
  const turns = Number(process.env.CONV_TURNS ?? 500)
  await writeTinyModel(path.join(modelsDir, 'conv.gguf'), { name: 'conv', seed: 2100, contextLength: CONTEXT, ...SHAPE })
  const h = await openHost(base, 'conversation', modelsDir, { threadsPerWorker: 1, parallelRequestsPerModel: 2 })
  return withHost(h, async () => {
    for (const name of ['Talker', 'Fresh']) await h.call('persona.create', { name, model: 'conv', systemPrompt: SYSTEM, settings: { temperature: 0, topP: 1, maxTokens: MAX_TOKENS, contextSize: CONTEXT } })
    await timedChat(h, 'Fresh', PROMPTS[0]) // loads the model; not counted
    const fresh: Turn[] = []
    const freshTurns = async () => {
      for (let i = 0; i < 5; i++) fresh.push(await turn(h, 'Fresh', PROMPTS[i % PROMPTS.length], true))
    }
    await freshTurns()
    const all: Turn[] = []
    const started = performance.now()
    for (let i = 0; i < turns; i++) all.push(await turn(h, 'Talker', `${i + 1}. ${PROMPTS[i % PROMPTS.length]}`, false))
    const took = performance.now() - started
    await freshTurns()
    const stored = (await h.call('persona.history', { name: 'Talker' })).messages.length
    const windows: Turn[][] = []
    for (let at = 0; at < all.length; at += WINDOW) windows.push(all.slice(at, at + WINDOW))
    const first = windows[0]
    const p50 = (ts: Turn[]) => median(ts.map((t) => t.ms))
    const cpu = (ts: Turn[]) => ts.reduce((a, t) => a + t.cpu, 0) / ts.length
    const evaluated = (ts: Turn[]) => f0(median(ts.map((t) => t.evaluated)))
    const row = (label: string, ts: Turn[]) => [label, f0(p50(ts)), f0(Math.max(...ts.map((t) => t.ms))), ratio(p50(ts) / p50(first)), f0(cpu(ts)), ratio(cpu(ts) / cpu(fresh)), f0(median(ts.map((t) => t.promptTokens))), evaluated(ts)]
    const last = windows[windows.length - 1]
    return [
      `5. A long conversation: ${turns} turns with one persona (the bench model: ${SHAPE.layers} layers, embd ${SHAPE.embd}; context ${CONTEXT} tokens, maxTokens ${MAX_TOKENS}, 1 thread, temperature 0), stored as it goes;`,
      `   windows of ${WINDOW} turns: latency p50 and max (ms), worker CPU per turn (ms, from /proc), tokens in the window and evaluated for the turn (p50).`,
      `   Fresh turn: another persona on the same model, no history (5 before, 5 after). ${turns} turns took ${f0(took / 1000)} s; ${stored} messages stored at the end.`,
      table(
        ['turns', 'p50 ms', 'max ms', 'p50 vs first', 'CPU ms/turn', 'CPU vs fresh', 'window tokens', 'evaluated'],
        [row('fresh turn', fresh), ...windows.map((w, i) => row(`${i * WINDOW + 1}–${i * WINDOW + w.length}`, w))],
      ),
      `   Last window vs first: latency p50 ${ratio(p50(last) / p50(first))}, worker CPU per turn ${ratio(cpu(last) / cpu(first))}.`,
    ].join('\n')
  })
}

/** Only this benchmark (`npm run bench -- conversation`). */
export async function runConversationBench(): Promise<void> {
  const os = await import('node:os')
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-bench-conv-'))
  const modelsDir = path.join(base, 'models')
  fs.mkdirSync(modelsDir)
  try {
    console.log(`Warden conversation benchmark (node ${process.version}, ${os.availableParallelism()} cores, CPU only)\n`)
    console.log((await conversationBench(base, modelsDir)) + '\n')
  } finally {
    fs.rmSync(base, { recursive: true, force: true })
  }
}
