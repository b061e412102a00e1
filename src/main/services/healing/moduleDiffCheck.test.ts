import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir, writeModule } from '../../../../test/fixtures'
import { checkModuleDiff, writeCheckedDiff } from './moduleDiffCheck'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

function moduleDir(files: Record<string, string> = {}): string {
  const root = tempDir('warden-diffcheck-')
  dirs.push(root)
  return writeModule(root, { name: 'calc', files: { 'src/a.js': 'one\ntwo\nthree\n', ...files } })
}

const edit = (file: string, from: string, to: string) => [`--- a/${file}`, `+++ b/${file}`, '@@ -1,3 +1,3 @@', ' one', `-${from}`, `+${to}`, ' three', ''].join('\n')

describe('checkModuleDiff', () => {
  it('accepts a git-style diff and gives each file’s new text, written only where asked', async () => {
    const dir = moduleDir()
    const created = ['--- /dev/null', '+++ b/src/new.js', '@@ -0,0 +1,1 @@', '+fresh', ''].join('\n')
    const checked = await checkModuleDiff(dir, edit('src/a.js', 'two', 'TWO') + created)
    expect(checked).toMatchObject({ hunks: 2, added: 2, removed: 1 })
    expect(checked.files).toEqual([
      expect.objectContaining({ path: 'src/a.js', op: 'modify', after: 'one\nTWO\nthree\n' }),
      expect.objectContaining({ path: 'src/new.js', op: 'create', after: 'fresh\n' }),
    ])
    // Checking reads the module only.
    expect(fs.readFileSync(path.join(dir, 'src/a.js'), 'utf8')).toBe('one\ntwo\nthree\n')
    const copy = tempDir('warden-diffcheck-copy-')
    dirs.push(copy)
    fs.cpSync(dir, copy, { recursive: true })
    await writeCheckedDiff(copy, checked)
    expect(fs.readFileSync(path.join(copy, 'src/a.js'), 'utf8')).toBe('one\nTWO\nthree\n')
    expect(fs.readFileSync(path.join(copy, 'src/new.js'), 'utf8')).toBe('fresh\n')
  })

  it('names the file and the hunk that does not apply', async () => {
    const dir = moduleDir()
    const second = ['@@ -3,1 +3,1 @@', '-THREE', '+3', ''].join('\n')
    await expect(checkModuleDiff(dir, edit('src/a.js', 'two', '2') + second, { label: 'fix.diff' })).rejects.toThrow('fix.diff does not apply: src/a.js, hunk 2 of 2 (@@ -3,1 +3,1 @@) does not match')
  })

  it.each([
    ['an absolute path', edit('/etc/passwd', 'two', 'x').replace('--- a//etc/passwd', '--- /etc/passwd').replace('+++ b//etc/passwd', '+++ /etc/passwd'), /absolute path/],
    ['a path that leaves the module', edit('../other/a.js', 'two', 'x'), /leaves the module/],
    ['a path into node_modules', edit('node_modules/dep/index.js', 'two', 'x'), /inside node_modules/],
    ['a file the module does not have', edit('src/missing.js', 'two', 'x'), /no such file/],
    ['text that is not a diff', 'please fix the bug\n', /no hunks/],
    ['a malformed hunk', '--- a/src/a.js\n+++ b/src/a.js\n@@ -1,3 +1,3 @@\n one\n?? two\n', /not a valid unified diff/],
    ['a rename', edit('src/a.js', 'two', 'x').replace('+++ b/src/a.js', '+++ b/src/b.js'), /renames src\/a.js to src\/b.js/],
    // The applier's rules, now the sandbox's too: a .git folder at any depth (a nested repository's hooks).
    ['a path into a nested .git', ['--- /dev/null', '+++ b/vendor/lib/.git/hooks/pre-commit', '@@ -0,0 +1 @@', '+rm -rf ~', ''].join('\n'), /inside \.git\//],
    ['a Windows drive path', edit('C:/Windows/a.js', 'two', 'x'), /absolute path/],
    ['a NUL byte in a name', edit('src/a\0.js', 'two', 'x'), /NUL byte/],
    // The sandbox's rules, now the applier's too: a deletion that leaves text deletes nothing.
    ['a deletion that leaves text', ['--- a/src/a.js', '+++ /dev/null', '@@ -1,3 +1,1 @@', '-one', '-two', ' three', ''].join('\n'), /deletes src\/a.js but its hunks leave text/],
  ])('refuses %s with an error that names it', async (_what, diff, message) => {
    const dir = moduleDir()
    await expect(checkModuleDiff(dir, diff)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(message) })
  })

  it('reads paths written from the workspace root (the module’s own prefix), as the applier does', async () => {
    const dir = moduleDir()
    const fromRoot = edit('modules/calc/src/a.js', 'two', 'TWO')
    const checked = await checkModuleDiff(dir, fromRoot, { modulePrefix: 'modules/calc' })
    expect(checked.files).toEqual([expect.objectContaining({ path: 'src/a.js', before: 'one\ntwo\nthree\n', after: 'one\nTWO\nthree\n' })])
  })

  it('a stale diff is bad input to evaluate, a CONFLICT for the applier', async () => {
    const dir = moduleDir()
    await expect(checkModuleDiff(dir, edit('src/a.js', 'TWO', 'x'))).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await expect(checkModuleDiff(dir, edit('src/a.js', 'TWO', 'x'), { mismatch: 'CONFLICT' })).rejects.toMatchObject({ code: 'CONFLICT' })
  })

  it('refuses a symbolic link even when it stays inside the module (the file would be changed under another name)', async () => {
    const dir = moduleDir()
    fs.symlinkSync(path.join(dir, 'src'), path.join(dir, 'alias'))
    await expect(checkModuleDiff(dir, edit('alias/a.js', 'two', 'x'))).rejects.toThrow(/goes through a symbolic link \(alias\)/)
  })

  it('refuses to write through a symbolic link', async () => {
    const dir = moduleDir()
    const outside = tempDir('warden-diffcheck-outside-')
    dirs.push(outside)
    fs.writeFileSync(path.join(outside, 'a.js'), 'one\ntwo\nthree\n')
    fs.symlinkSync(outside, path.join(dir, 'linked'))
    await expect(checkModuleDiff(dir, edit('linked/a.js', 'two', 'x'))).rejects.toThrow(/goes through a symbolic link \(linked\)/)
  })
})
