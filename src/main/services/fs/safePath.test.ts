import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { expectError, tempDir } from '../../../../test/fixtures'
import { atomicWriteFile } from './atomic'
import { renameNoReplace, safeChildPath, safeRelativePath } from './safePath'

describe('safeChildPath', () => {
  it('keeps a plain name (unicode, spaces, leading dots) inside the folder', () => {
    const dir = tempDir()
    for (const name of ['a.tgz', 'naïve café.tgz', '...x', '.hidden', 'x'.repeat(255)]) expect(safeChildPath(dir, name, 'name')).toBe(path.join(dir, name))
  })

  it('refuses separators, `.` and `..`, NUL, an empty or over-long name, naming the field', () => {
    const dir = tempDir()
    const cases: Array<[string, RegExp]> = [
      ['evil-/../../../ws/.warden/hibernation/hello.1.tgz', /slash/],
      ['a\\b', /slash or backslash/],
      ['..', /is ".."/],
      ['.', /is "."/],
      ['', /empty/],
      ['a\0b', /NUL/],
      ['é'.repeat(128), /longer than 255 bytes/],
    ]
    for (const [name, problem] of cases) {
      let thrown: unknown = null
      try {
        safeChildPath(dir, name, 'package version')
      } catch (error) {
        thrown = error
      }
      expect(thrown).toMatchObject({ code: 'INVALID_INPUT' })
      expect((thrown as Error).message).toMatch(/^The package version /)
      expect((thrown as Error).message).toMatch(problem)
    }
  })

  it('checks every part of a relative path', () => {
    const dir = tempDir()
    expect(safeRelativePath(dir, 'commands/@scope/x', 'module folder')).toBe(path.join(dir, 'commands', '@scope', 'x'))
    expect(() => safeRelativePath(dir, 'commands/../../x', 'module folder')).toThrow(/module folder/)
  })
})

describe('renameNoReplace', () => {
  it('moves a file to a free name', async () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, 'tmp'), 'new')
    await renameNoReplace(path.join(dir, 'tmp'), path.join(dir, 'final'))
    expect(fs.readdirSync(dir)).toEqual(['final'])
  })

  it('refuses (CONFLICT) to replace a file that is there, and leaves both as they were', async () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, 'tmp'), 'new')
    fs.writeFileSync(path.join(dir, 'final'), 'precious')
    const err = await expectError(renameNoReplace(path.join(dir, 'tmp'), path.join(dir, 'final')))
    expect(err.code).toBe('CONFLICT')
    expect(err.message).toMatch(/already exists; Warden never overwrites it/)
    expect(fs.readFileSync(path.join(dir, 'final'), 'utf8')).toBe('precious')
    expect(fs.readFileSync(path.join(dir, 'tmp'), 'utf8')).toBe('new')
  })

  it('atomicWriteFile with replace: false refuses an existing file and leaves no temp file', async () => {
    const dir = tempDir()
    const target = path.join(dir, 'x.metadata.json')
    await atomicWriteFile(target, 'first', { replace: false })
    const err = await expectError(atomicWriteFile(target, 'second', { replace: false }))
    expect(err.code).toBe('CONFLICT')
    expect(fs.readFileSync(target, 'utf8')).toBe('first')
    expect(fs.readdirSync(dir)).toEqual(['x.metadata.json'])
  })
})
