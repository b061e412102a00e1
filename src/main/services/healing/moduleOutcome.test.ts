import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openHost, tempDir, writeModule } from '../../../../test/fixtures'

const hosts: Array<{ dispose(): void }> = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

const fixAdd = `--- a/lib/math.js
+++ b/lib/math.js
@@ -1,2 +1,2 @@
-exports.add = (a, b) => a - b
+exports.add = (a, b) => a + b
 exports.one = 1
`
const addTwo = `--- /dev/null
+++ b/lib/two.js
@@ -0,0 +1 @@
+exports.two = 2
`

describe('a module patch’s outcome', () => {
  it('is its module’s tests at the next look, run as the sandbox runs them: success when they pass, failure when they fail', async () => {
    const ws = tempDir('warden-ws-')
    const alpha = writeModule(ws, {
      name: 'alpha',
      pkg: { scripts: { test: 'node check.js' } },
      files: {
        'lib/math.js': 'exports.add = (a, b) => a - b\nexports.one = 1\n',
        'check.js': "require('node:assert').strictEqual(require('./lib/math').add(1, 2), 3)\n",
      },
    })
    const clock = { t: Date.UTC(2026, 11, 1) }
    const { host, call } = await openHost(ws, undefined, { now: () => clock.t })
    hosts.push(host)

    const fixed = await call('healing.evaluate', { module: 'alpha', diff: fixAdd })
    expect(fixed.status).toBe('proposed')
    await call('healing.approve', { id: fixed.id })
    clock.t += 60_000
    const first = await call('healing.runOnce', {})
    expect(first.notes).toContain(`${fixed.id}: alpha's tests pass (success)`)
    expect((await call('healing.show', { id: fixed.id })).outcome).toBe('success')

    // A second patch, then the module is broken by hand before the next look: that look sees it.
    const two = await call('healing.evaluate', { module: 'alpha', diff: addTwo })
    await call('healing.approve', { id: two.id })
    fs.writeFileSync(path.join(alpha, 'lib/math.js'), 'exports.add = (a, b) => a * b\nexports.one = 1\n')
    clock.t += 60_000
    const second = await call('healing.runOnce', {})
    expect(second.notes).toContain(`${two.id}: alpha's tests fail (failure)`)
    expect((await call('healing.show', { id: two.id })).outcome).toBe('failure')
    const gate3 = (await call('healing.status', {})).gates[2].conditions[1]
    expect(gate3.progress).toBe('50 % of 2 measured')
  })
})
