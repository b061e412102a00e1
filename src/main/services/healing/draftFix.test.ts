import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fingerprint, tempDir, writeModule } from '../../../../test/fixtures'
import { inferenceHosts, writeTinyModels } from '../../../../test/inference'
import type { GenerationResult, Persona } from '../../../shared/contract/inference'
import type { GenerateCall } from '../inference/InferenceService'
import { Workspace } from '../workspace/Workspace'
import { draftFix, extractDiff, type DraftInference } from './draftFix'
import { fitness } from './fitness'
import { HealingSandbox } from './sandbox/HealingSandbox'
import { ModuleSandbox } from './sandbox/ModuleSandbox'

const FIX = ['--- a/index.js', '+++ b/index.js', '@@ -1,1 +1,1 @@', '-exports.add = (a, b) => a - b', '+exports.add = (a, b) => a + b', ''].join('\n')

const MODULE_FILES = {
  'index.js': 'exports.add = (a, b) => a - b\n',
  'test/add.test.js': "const test = require('node:test')\nconst assert = require('node:assert')\nconst { add } = require('../index.js')\ntest('adds', () => assert.strictEqual(add(2, 3), 5))\n",
}

describe('extractDiff', () => {
  it('takes the fenced diff out of an answer with prose around it', () => {
    expect(extractDiff(`Here is the fix:\n\n\`\`\`diff\n${FIX}\`\`\`\n\nThis makes add add.`)).toBe(FIX)
  })

  it('takes a bare diff and stops at the prose after it', () => {
    expect(extractDiff(`Sure.\n${FIX}\nThat should do it.`)).toBe(FIX)
  })

  it('finds nothing in an answer without a diff, or with code that is not one', () => {
    expect(extractDiff('I think the bug is in add: it subtracts.')).toBeNull()
    expect(extractDiff('```js\nexports.add = (a, b) => a + b\n```')).toBeNull()
    expect(extractDiff('--- a/index.js\nno hunks follow')).toBeNull()
  })
})

describe('draftFix', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
  })

  async function workspace(files: Record<string, string> = MODULE_FILES) {
    const root = tempDir('warden-draft-ws-')
    dirs.push(root)
    const dir = writeModule(root, { name: 'math', files })
    const ws = await Workspace.open(root)
    const options = { workspace: () => ws, limits: () => ({ timeoutSeconds: 30, memoryMB: 512 }) }
    return { dir, modules: new ModuleSandbox(options), options }
  }

  /** A persona whose answer is written by hand (the extraction and checks are what is tested). */
  function answering(text: string) {
    const calls: GenerateCall[] = []
    const persona = { id: 'p1', name: 'Coder', model: 'm', systemPrompt: '', settings: { temperature: 0.8, topP: 0.95, maxTokens: 256, contextSize: 8192, seed: null, genome: { mode: 'none', adapters: [] } }, createdAt: 0, updatedAt: 0, messages: 0 } as Persona
    const inference: DraftInference = {
      personas: { get: () => persona },
      generate: async (call) => {
        calls.push(call)
        return { text, tokens: 10, promptTokens: 10, evaluatedTokens: 10, leftOutMessages: 0, tokensPerSecond: null, modelId: 'm' } as GenerationResult
      },
    }
    return { inference: () => inference, calls }
  }

  it('turns a valid diff in the answer into a drafted-fix patch that the sandbox then scores apply', async () => {
    const { modules, options } = await workspace()
    const persona = answering(`Here you go:\n\`\`\`diff\n${FIX}\`\`\``)
    const draft = await draftFix({ module: 'math', persona: 'Coder' }, { inference: persona.inference, modules })
    expect(draft).toMatchObject({ source: 'math', strategy: 'drafted-fix', change: { kind: 'module-diff', module: 'math', diff: FIX } })
    expect(draft.rationale).toContain('1 failing test(s) of 1')
    // The persona was asked at a low temperature, with the failing output and the module's files.
    const call = persona.calls[0]
    expect(call.settings?.temperature).toBe(0.2)
    expect(call.keepCache).toBe(false)
    expect(call.prompt).toContain('not ok')
    expect(call.prompt).toContain('File index.js:')
    expect(call.prompt).toContain('File test/add.test.js:')
    const result = await new HealingSandbox({ ...options, inference: () => { throw new Error('unused') }, baseline: () => null, sourceHealth: () => null, embeddingModel: () => null }).evaluate(draft)
    expect(result.passed).toBe(true)
    expect(fitness(result, { phiMin: 0.65, phiMax: 0.85, driftMax: 2, applyThreshold: 0.7 }).recommendation).toBe('apply')
  })

  it('refuses an answer without a diff, saying how it began', async () => {
    const { modules } = await workspace()
    const persona = answering('The add function subtracts; change the minus to a plus.')
    await expect(draftFix({ module: 'math', persona: 'Coder' }, { inference: persona.inference, modules })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: "Coder's answer holds no unified diff: nothing was proposed",
      hint: expect.stringContaining('The add function subtracts'),
    })
  })

  it('refuses a diff that leaves the module or does not apply, naming the file', async () => {
    const { modules, dir } = await workspace()
    const before = fingerprint(dir)
    const escaping = answering('```diff\n' + FIX.replaceAll('index.js', '../../etc/passwd') + '```')
    await expect(draftFix({ module: 'math', persona: 'Coder' }, { inference: escaping.inference, modules })).rejects.toThrow(/The diff Coder proposed names "\.\.\/\.\.\/etc\/passwd", which leaves the module \(\.\.\): nothing was proposed/)
    const stale = answering('```diff\n' + FIX.replace('a - b', 'a * b') + '```')
    await expect(draftFix({ module: 'math', persona: 'Coder' }, { inference: stale.inference, modules })).rejects.toThrow(/index\.js, hunk 1 of 1 .* does not match/)
    expect(fingerprint(dir)).toEqual(before)
  })

  it('says there is nothing to fix when the module passes', async () => {
    const { modules } = await workspace({ ...MODULE_FILES, 'index.js': 'exports.add = (a, b) => a + b\n' })
    const persona = answering(FIX)
    await expect(draftFix({ module: 'math', persona: 'Coder' }, { inference: persona.inference, modules })).rejects.toMatchObject({ code: 'CONFLICT' })
    expect(persona.calls).toHaveLength(0)
  })

  describe('with a real tiny model', () => {
    const hosts = inferenceHosts()

    it('asks the persona and refuses its answer (random tokens are no diff): nothing is proposed', async () => {
      const h = hosts()
      await writeTinyModels(path.join(h.home, 'models'), 1)
      await h.call('persona.create', { name: 'Tiny', model: 'tiny-1', settings: { maxTokens: 24 } })
      const { modules, dir } = await workspace()
      const before = fingerprint(dir)
      await expect(draftFix({ module: 'math', persona: 'Tiny' }, { inference: () => h.host.inference, modules })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^Tiny's answer holds no unified diff: nothing was proposed$|^The diff Tiny proposed .*: nothing was proposed$/),
      })
      expect(fingerprint(dir)).toEqual(before)
    })
  })
})
