import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { expectError, openHost, tempDir, writeModule } from '../../../../test/fixtures'
import { WardenHost } from '../host/WardenHost'
import { WardenError } from '../../../shared/errors'

const hosts: WardenHost[] = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

/** A host with no workspace open; `call` throws the WardenError the adapters would send. */
function bareHost() {
  const host = new WardenHost({ home: tempDir('warden-home-'), runtime: 'cli', watch: false })
  hosts.push(host)
  return async (name: string, input: unknown) => {
    const r = await host.invoke(name, input)
    if (!r.ok) throw WardenError.from(r.error)
    return r.value
  }
}

describe('a path a person gets wrong is a 4xx error naming it, never INTERNAL', () => {
  const aFile = () => {
    const file = path.join(tempDir(), 'plain.txt')
    fs.writeFileSync(file, 'x')
    return file
  }
  const cases: Array<[string, () => string, RegExp]> = [
    ['/dev/null (a device)', () => '/dev/null', /not a folder/],
    ['a path through a regular file', () => path.join(aFile(), 'x'), /not a folder|a part of the path is a file/],
    ['a 1 MB path', () => '/tmp/' + 'x'.repeat(1024 * 1024), /path: a path is at most 4096 characters/],
    ['a path with a NUL byte', () => path.join(tempDir(), 'a\0b'), /path: a path cannot contain a NUL byte/],
    ['a name over 255 bytes', () => path.join(tempDir(), 'n'.repeat(300)), /too long/],
  ]
  for (const op of ['workspace.createDemo', 'workspace.open'] as const) {
    for (const [what, make, message] of cases) {
      it(`${op} on ${what}`, async () => {
        const call = bareHost()
        const err = await expectError(call(op, { path: make() }))
        expect(err.code).toBe('INVALID_INPUT')
        expect(err.message).toMatch(message)
      })
    }
  }

  it('workspace.createDemo into a file is INVALID_INPUT, and writes nothing', async () => {
    const call = bareHost()
    const file = aFile()
    const err = await expectError(call('workspace.createDemo', { path: file }))
    expect(err.code).toBe('INVALID_INPUT')
    expect(err.message).toMatch(/^path: .* is not a folder/)
    expect(fs.readFileSync(file, 'utf8')).toBe('x')
  })

  it('module.pack into a folder that is a file, or through one, is a 4xx naming the path', async () => {
    const ws = tempDir('warden-ws-')
    writeModule(ws, { name: 'tool' })
    const { host, call } = await openHost(ws)
    hosts.push(host)
    const file = aFile()
    for (const outDir of [file, path.join(file, 'packs')]) {
      const err = await expectError(call('module.pack', { name: 'tool', outDir }))
      expect(err.code).toBe('INVALID_INPUT')
      expect(err.message).toMatch(/^outDir: .* is not a folder/)
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('x')
  })

  it('names with NUL or over the length limit (module, persona, uploaded file) are INVALID_INPUT naming the field', async () => {
    const call = bareHost()
    const cases: Array<[string, unknown, RegExp]> = [
      ['module.hibernate', { name: 'a\0b' }, /name: a module name cannot contain a backslash or a NUL byte/],
      ['module.hibernate', { name: 'x'.repeat(300) }, /name: a module name is at most 214 characters/],
      ['persona.create', { name: 'x'.repeat(300), model: 'm' }, /name: a persona name is at most 64 characters/],
      ['persona.create', { name: 'a\0b', model: 'm' }, /name: a persona name uses letters/],
      ['module.wakeUpload', { fileName: `${'x'.repeat(300)}.tgz`, dataBase64: 'AA==' }, /fileName: /],
    ]
    for (const [op, input, message] of cases) {
      const err = await expectError(call(op, input))
      expect(err.code).toBe('INVALID_INPUT')
      expect(err.message).toMatch(message)
    }
  })
})

describe('WardenError.from turns file-system errors into 4xx errors with words', () => {
  const sys = (code: string, syscall: string, p: string) => Object.assign(new Error(`${code}: something, ${syscall} '${p}'`), { code, syscall, path: p })
  it.each([
    ['ENOTDIR', 'INVALID_INPUT', /Cannot mkdir "\/dev\/null\/x": a part of the path is a file, not a folder \(ENOTDIR\)/],
    ['ENAMETOOLONG', 'INVALID_INPUT', /too long/],
    ['EEXIST', 'CONFLICT', /already exists/],
    ['ENOENT', 'NOT_FOUND', /does not exist/],
    ['EACCES', 'INVALID_INPUT', /permission denied/],
    ['EISDIR', 'INVALID_INPUT', /a folder, not a file/],
    ['ENOSPC', 'NO_SPACE', /disk is full/],
  ])('%s → %s', (code, expected, message) => {
    const e = WardenError.from(sys(code, 'mkdir', '/dev/null/x'))
    expect(e.code).toBe(expected)
    expect(e.message).toMatch(message)
  })

  it('a NUL byte in a path (Node refuses it before any system call) is INVALID_INPUT', () => {
    let thrown: unknown
    try {
      fs.statSync('a\0b')
    } catch (error) {
      thrown = error
    }
    expect(WardenError.from(thrown).code).toBe('INVALID_INPUT')
  })

  it('anything else stays INTERNAL', () => {
    expect(WardenError.from(new Error('boom')).code).toBe('INTERNAL')
  })
})
