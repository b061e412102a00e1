/**
 * The drafted fix: a persona the person chooses is asked, on a stateless context at a low
 * temperature, for a unified diff that makes a failing module's tests pass, from the sandbox's failing
 * run and the module's relevant files (a bounded prompt). The diff in its answer is extracted and
 * checked like any module diff; it becomes a PatchDraft ('drafted-fix') that the engine evaluates in
 * the same sandbox and shows for review. An answer without a valid diff is refused, with the reason.
 */
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import type { GenerationResult, Persona } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import type { GenerateCall } from '../inference/InferenceService'
import type { ContextLengthExceeded } from '../workers/protocol'
import { checkModuleDiff } from './moduleDiffCheck'
import type { ModuleSandbox } from './sandbox/ModuleSandbox'
import type { ModuleRun } from './sandbox/moduleRun'
import type { PatchDraft, ProgressReport } from './types'

/** What the drafted fix needs of the inference service (InferenceService has it). */
export interface DraftInference {
  personas: { get(name: string): Persona }
  generate(call: GenerateCall): Promise<GenerationResult>
}

export interface DraftFixDeps {
  inference: () => DraftInference
  modules: Pick<ModuleSandbox, 'locate' | 'check'>
}

/** Low, not zero: a little room to word the fix, little room to wander. */
export const DRAFT_TEMPERATURE = 0.2
/** Characters of the failing run's output in the prompt (from its first failure). */
const OUTPUT_CHARS = 6000
/** Characters of each file, and of all files, in the prompt. */
const FILE_CHARS = 8000
const FILES_CHARS = 24_000
const MAX_FILES = 8
/** Below this, the prompt cannot hold enough of the failure to ask for a fix. */
const MIN_PROMPT_CHARS = 300
const TEXT_FILE = /\.(c|m)?(js|ts)x?$|\.json$/

export async function draftFix(input: { module: string; persona: string }, deps: DraftFixDeps, options: { signal?: AbortSignal; onProgress?: ProgressReport } = {}): Promise<PatchDraft> {
  const inference = deps.inference()
  const persona = inference.personas.get(input.persona)
  const location = await deps.modules.locate(input.module)
  options.onProgress?.('running the tests', 0)
  const run = await deps.modules.check(input.module, { signal: options.signal })
  if (run.ok) throw new WardenError('CONFLICT', `Module ${input.module} passes its check (${run.ran === 'tests' ? 'its tests pass' : run.ran === 'entry' ? 'its entry point loads' : 'nothing to run'}): there is nothing to fix`, { hint: 'A drafted fix is for a module whose tests fail; see `warden module check --name ' + input.module + '`.' })
  const files = await relevantFiles(location.absPath, run)
  const answer = await askWithin(inference, persona, (budget) => draftPrompt(input.module, run, files, budget), options)
  options.onProgress?.('checking the diff', 0.9)
  const diff = extractDiff(answer.text)
  if (!diff) {
    throw new WardenError('INVALID_INPUT', `${persona.name}'s answer holds no unified diff: nothing was proposed`, {
      hint: `Its answer began: ${JSON.stringify(answer.text.trim().slice(0, 200))}. Try a persona on a model that writes code, or write the diff yourself and use \`warden healing evaluate\`.`,
    })
  }
  try {
    await checkModuleDiff(location.absPath, diff, { label: `The diff ${persona.name} proposed`, modulePrefix: location.relPath })
  } catch (error) {
    const e = WardenError.from(error)
    throw new WardenError('INVALID_INPUT', `${e.message}: nothing was proposed`, { hint: e.hint, details: { diff: diff.slice(0, 4000) } })
  }
  const failing = run.counts ? `${run.counts.failed} failing test(s) of ${run.counts.passed + run.counts.failed}` : run.stoppedBy ? `its check was stopped (${run.stoppedBy})` : `its check fails (exit code ${run.exitCode ?? 'none'})`
  return {
    source: input.module,
    strategy: 'drafted-fix',
    title: `Fix for ${input.module}, drafted by ${persona.name}`,
    rationale: `Module ${input.module}: ${failing}. ${persona.name} was asked for a diff from the failing output and ${files.length} of the module's files; the diff parses and applies cleanly.`,
    change: { kind: 'module-diff', module: input.module, diff },
  }
}

/**
 * The unified diff in a model's answer: a fenced ```diff / ```patch block (or any fenced block that
 * is a diff), else the lines from the first `--- ` or `diff --git` header through the last line
 * that can belong to a diff. Null when there is none.
 */
export function extractDiff(answer: string): string | null {
  const text = answer.replace(/\r\n/g, '\n')
  for (const m of text.matchAll(/```[ \t]*([\w-]*)[^\n]*\n([\s\S]*?)```/g)) {
    const body = m[2]
    if (looksLikeDiff(body)) return ensureNewline(body)
  }
  const lines = text.split('\n')
  const start = lines.findIndex((l) => l.startsWith('--- ') || l.startsWith('diff --git '))
  if (start < 0) return null
  let end = start
  for (let i = start; i < lines.length; i++) {
    if (/^(diff --git |index |--- |\+\+\+ |@@ |[ +\-\\])/.test(lines[i])) end = i
    else if (lines[i] !== '') break
  }
  const body = lines.slice(start, end + 1).join('\n')
  return looksLikeDiff(body) ? ensureNewline(body) : null
}

function looksLikeDiff(text: string): boolean {
  return /^--- /m.test(text) && /^\+\+\+ /m.test(text) && /^@@ -\d+(,\d+)? \+\d+(,\d+)? @@/m.test(text)
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`
}

/**
 * Asks the persona, the prompt cut to fit its context: first at about 3 characters a token, and when
 * the worker says it is still too long, once more cut by the ratio it reports.
 */
async function askWithin(inference: DraftInference, persona: Persona, prompt: (budgetChars: number) => string, options: { signal?: AbortSignal; onProgress?: ProgressReport }): Promise<GenerationResult> {
  const contextSize = persona.settings.contextSize
  // Room for the answer: a diff of a small fix, at most half the context.
  const maxTokens = Math.max(64, Math.min(1024, Math.floor(contextSize / 2)))
  let budget = Math.min(OUTPUT_CHARS + FILES_CHARS, (contextSize - maxTokens) * 3)
  for (let attempt = 0; ; attempt++) {
    if (budget < MIN_PROMPT_CHARS) {
      throw new WardenError('INVALID_INPUT', `${persona.name}'s context (${contextSize} tokens) is too small to show it the failing output and the module's files`, { hint: `Give ${persona.name} a larger context (warden persona edit ${JSON.stringify(persona.name)} --settings '{"contextSize": ${contextSize * 4}}'), or choose another persona.` })
    }
    options.onProgress?.(`asking ${persona.name}`, 0.3)
    try {
      return await inference.generate({
        persona: { ...persona, settings: { ...persona.settings, temperature: DRAFT_TEMPERATURE } },
        history: [],
        keepCache: false,
        prompt: prompt(budget),
        settings: { temperature: DRAFT_TEMPERATURE, maxTokens },
        overflow: 'refuse',
        priority: 'realtime',
        signal: options.signal,
      })
    } catch (error) {
      const exceeded = (WardenError.from(error).details as Partial<ContextLengthExceeded> | undefined)?.contextLengthExceeded
      if (!exceeded || attempt > 0) throw error
      budget = Math.floor(budget * ((contextSize - maxTokens) / Math.max(1, exceeded.promptTokens)) * 0.9)
    }
  }
}

/** The prompt within `budgetChars`: what to do, the failing output (its end), the files; the answer must be one diff. */
export function draftPrompt(module: string, run: ModuleRun, files: Array<{ path: string; text: string }>, budgetChars = OUTPUT_CHARS + FILES_CHARS): string {
  const outputBudget = Math.min(OUTPUT_CHARS, Math.floor(budgetChars / 3))
  const output = failureWindow(run.output, outputBudget)
  const parts = [
    `The module "${module}" fails its check (\`${run.command}\`). Propose the smallest change that makes it pass.`,
    'Answer with one unified diff in a ```diff block, paths relative to the module folder (--- a/FILE, +++ b/FILE, @@ hunks with exact context lines), and nothing else.',
    '',
    `Output of \`${run.command}\`:`,
    '```',
    output.trim(),
    '```',
  ]
  let room = budgetChars - parts.join('\n').length
  for (const f of files) {
    const text = f.text.length > room - 40 ? `${f.text.slice(0, Math.max(0, room - 60))}\n… (cut)` : f.text
    if (room - 40 <= 0) break
    parts.push('', `File ${f.path}:`, '```', text, '```')
    room -= text.length + f.path.length + 20
  }
  return parts.join('\n')
}

/** The part of a run's output a fix needs: from its first failure on (else its end), within `budget`. */
function failureWindow(output: string, budget: number): string {
  if (output.length <= budget) return output
  const first = output.search(/^\s*not ok\b|^\s*(\w*Error|FAIL)\b/m)
  if (first < 0) return `…${output.slice(-budget)}`
  const start = Math.max(0, Math.min(first, output.length - budget))
  return `${start > 0 ? '…' : ''}${output.slice(start, start + budget)}${start + budget < output.length ? '…' : ''}`
}

/**
 * The files a fix most likely touches, bounded: those the failing output names (stack traces, test
 * files), then package.json and the entry point, then the module's other scripts.
 */
async function relevantFiles(dir: string, run: ModuleRun): Promise<Array<{ path: string; text: string }>> {
  const all = await listFiles(dir)
  const named = all.filter((rel) => run.output.includes(rel) || run.output.includes(path.basename(rel)))
  const ordered = [...new Set([...named, 'package.json', 'index.js', ...all])].filter((rel) => all.includes(rel) && TEXT_FILE.test(rel))
  const out: Array<{ path: string; text: string }> = []
  let total = 0
  for (const rel of ordered.slice(0, MAX_FILES)) {
    let text = await fsp.readFile(path.join(dir, ...rel.split('/')), 'utf8')
    if (text.length > FILE_CHARS) text = `${text.slice(0, FILE_CHARS)}\n… (cut)`
    if (total + text.length > FILES_CHARS) break
    total += text.length
    out.push({ path: rel, text })
  }
  return out
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  const visit = async (abs: string, rel: string, depth: number) => {
    if (depth > 6 || out.length > 500) return
    for (const e of await fsp.readdir(abs, { withFileTypes: true }).catch(() => [])) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) await visit(path.join(abs, e.name), r, depth + 1)
      else if (e.isFile()) out.push(r)
    }
  }
  await visit(dir, '', 0)
  return out.sort()
}
