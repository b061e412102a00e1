import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCliInProcess } from '../../../test/cli'
import { tempDir, writeModule } from '../../../test/fixtures'

// `warden healing …` as a person reads it: a real module diff evaluated in the real sandbox (the
// module's tests on a copy), then listed, shown, approved, rolled back, on a real home and workspace.

describe('warden healing: human output', () => {
  it('lists, shows, approves and rolls back an evaluated patch, and shows the loop and the phase gates', async () => {
    const ws = tempDir('warden-ws-')
    const dir = writeModule(ws, { name: 'alpha', pkg: { scripts: { test: 'node check.js' } }, files: { 'check.js': "if (require('./index.js') !== 2) { console.error('expected 2'); process.exit(1) }\nconsole.log('alpha ok')\n" } })
    const home = tempDir('warden-home-')
    const cli = (...args: string[]) => runCliInProcess(args, { home, workspace: ws })
    const file = path.join(tempDir(), 'fix.diff')
    fs.writeFileSync(file, '--- a/index.js\n+++ b/index.js\n@@ -1 +1 @@\n-module.exports = "alpha"\n+module.exports = 2\n')

    const evaluated = await cli('healing', 'evaluate', '--module', 'alpha', '--patch', file)
    expect(evaluated.code, evaluated.output).toBe(0)
    const id = /📝 (p-\w+) proposed for alpha: fitness \d\.\d\d → /.exec(evaluated.stdout)?.[1]
    expect(id, evaluated.stdout).toBeTruthy()

    const listed = await cli('healing', 'proposals')
    expect(listed.stdout).toMatch(new RegExp(`📝 ${id} +proposed +manual +alpha +\\d\\.\\d\\d  `))

    const shown = (await cli('healing', 'show', id!)).stdout
    expect(shown).toContain('-module.exports = "alpha"\n+module.exports = 2')
    expect(shown).toMatch(/0\.4 × Φ improvement +\d\.\d\d/)
    expect(shown).toMatch(/0\.1 × code quality +\d\.\d\d/)
    expect(shown).toContain('Sandbox log:')
    expect(shown).toContain('alpha ok')
    expect(shown).toContain(`Approve: warden healing approve ${id}`)

    expect((await cli('healing', 'approve', id!)).stdout).toBe(`✅ Applied ${id}: ${/— (.*)/.exec(shown)![1]} (undo: warden healing rollback ${id})`)
    expect(fs.readFileSync(path.join(dir, 'index.js'), 'utf8')).toBe('module.exports = 2\n')
    expect((await cli('healing', 'proposals', '--status', 'applied')).stdout).toContain(`✅ ${id}`)

    expect((await cli('healing', 'rollback', id!)).stdout).toMatch(new RegExp(`^↩️  Rolled back ${id}: `))
    expect(fs.readFileSync(path.join(dir, 'index.js'), 'utf8')).toBe('module.exports = "alpha"\n')
    expect((await cli('healing', 'history')).stdout).toMatch(new RegExp(`↩️  ${id} +rolled-back`))

    const status = (await cli('healing', 'status')).stdout
    expect(status).toContain('⏸️  Healing loop stopped · every 5 min')
    expect(status).toContain('Last run: never')
    expect(status).toMatch(/Auto-apply: off · Auto-apply needs phase gate 3: /)
    expect(status).toMatch(/Patches: 0 pending, 0 applied, 1 rolled back, 0 rejected/)
    // The gates as a checklist, each condition with its progress: this patch counts.
    expect(status).toContain('⬜ 1 — Monitoring only\n   ☐ 1,000+ health snapshots (0 / 1,000 snapshots)')
    expect(status).toContain('   ☐ 10+ patches with fitness reviewed by a person (1 / 10 reviewed)')
    expect(status).toContain('   ☑ a rollback done (1 rolled back)')

    expect((await cli('healing', 'auto-apply', '--enabled', '--kinds', 'settings')).code).not.toBe(0)
  })
})
