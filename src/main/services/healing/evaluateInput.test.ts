import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir, writeModule } from '../../../../test/fixtures'
import { inferenceHosts } from '../../../../test/inference'

// healing.evaluate through a real host: its real sandbox, a real workspace, the module's tests run.

const BROKEN_ADD = {
  'index.js': 'exports.add = (a, b) => a - b\nexports.name = "math"\n',
  'test/add.test.js': "const test = require('node:test')\nconst assert = require('node:assert')\nconst { add } = require('../index.js')\ntest('adds', () => assert.strictEqual(add(2, 3), 5))\n",
}
const FIX_ADD = ['--- a/index.js', '+++ b/index.js', '@@ -1,2 +1,2 @@', '-exports.add = (a, b) => a - b', '+exports.add = (a, b) => a + b', ' exports.name = "math"', ''].join('\n')

describe('healing.evaluate', () => {
  const hosts = inferenceHosts()

  it('checks the .diff file before anything runs or is stored, naming the file and hunk', async () => {
    const h = hosts()
    const root = tempDir('warden-evaluate-ws-')
    writeModule(root, { name: 'math', files: BROKEN_ADD })
    await h.host.openWorkspace(root)
    const file = path.join(tempDir('warden-evaluate-diff-'), 'fix.diff')
    fs.writeFileSync(file, FIX_ADD)
    const patch = await h.call('healing.evaluate', { module: 'math', patch: file })
    expect(patch).toMatchObject({ status: 'proposed', change: { kind: 'module-diff', module: 'math', diff: FIX_ADD } })

    fs.writeFileSync(file, FIX_ADD.replace('a - b', 'a % b'))
    await expect(h.call('healing.evaluate', { module: 'math', patch: file })).rejects.toThrow('The patch file fix.diff does not apply: index.js, hunk 1 of 1')
    await expect(h.call('healing.evaluate', { module: 'math', diff: FIX_ADD.replaceAll('index.js', '../other/index.js') })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/leaves the module/) })
    await expect(h.call('healing.evaluate', { module: 'math', patch: path.join(root, 'missing.diff') })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(h.call('healing.evaluate', { module: 'math' })).rejects.toThrow(/A patch is required/)
    await expect(h.call('healing.evaluate', { module: 'math', diff: FIX_ADD, patch: file })).rejects.toThrow(/not both/)
    // Refused input is not kept as failed patches: only the one evaluated is there.
    expect((await h.call('healing.history', {})).patches.filter((p) => p.status === 'failed')).toEqual([])
    expect((await h.call('healing.proposals', {})).patches.map((p) => p.id)).toEqual([patch.id])
  })
})
