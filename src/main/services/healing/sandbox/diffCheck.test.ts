import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir, writeModule } from '../../../../../test/fixtures'
import { checkModuleDiff, writeCheckedDiff } from './diffCheck'

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
    await expect(checkModuleDiff(dir, edit('src/a.js', 'two', '2') + second, 'fix.diff')).rejects.toThrow('fix.diff does not apply: src/a.js, hunk 2 of 2 (@@ -3,1 +3,1 @@) does not match')
  })

  it.each([
    ['an absolute path', edit('/etc/passwd', 'two', 'x').replace('--- a//etc/passwd', '--- /etc/passwd').replace('+++ b//etc/passwd', '+++ /etc/passwd'), /absolute path/],
    ['a path that leaves the module', edit('../other/a.js', 'two', 'x'), /leaves the module/],
    ['a path into node_modules', edit('node_modules/dep/index.js', 'two', 'x'), /inside node_modules/],
    ['a file the module does not have', edit('src/missing.js', 'two', 'x'), /no such file/],
    ['text that is not a diff', 'please fix the bug\n', /no hunks/],
    ['a malformed hunk', '--- a/src/a.js\n+++ b/src/a.js\n@@ -1,3 +1,3 @@\n one\n?? two\n', /not a valid unified diff/],
    ['a rename', edit('src/a.js', 'two', 'x').replace('+++ b/src/a.js', '+++ b/src/b.js'), /renames src\/a.js to src\/b.js/],
  ])('refuses %s with an error that names it', async (_what, diff, message) => {
    const dir = moduleDir()
    await expect(checkModuleDiff(dir, diff)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(message) })
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
