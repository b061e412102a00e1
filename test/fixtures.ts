import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { WardenHost } from '../src/main/services/host/WardenHost'
import type { OperationName, OperationOutput, OperationInput } from '../src/shared/contract/operations'
import { WardenError } from '../src/shared/errors'

export function tempDir(prefix = 'warden-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

export interface ModuleSpec {
  name: string
  kind?: string
  version?: string
  deps?: string[]
  /** Extra files: relative path → content (string or Buffer). */
  files?: Record<string, string | Buffer>
  pkg?: Record<string, unknown>
}

/** Write a module folder (a real npm package) into a workspace. */
export function writeModule(workspace: string, spec: ModuleSpec): string {
  const dir = path.join(workspace, spec.kind ?? 'commands', ...spec.name.split('/'))
  fs.mkdirSync(dir, { recursive: true })
  const pkg = {
    name: spec.name,
    version: spec.version ?? '1.0.0',
    main: 'index.js',
    dependencies: Object.fromEntries((spec.deps ?? []).map((d) => [d, '^1.0.0'])),
    ...spec.pkg,
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2))
  fs.writeFileSync(path.join(dir, 'index.js'), `module.exports = ${JSON.stringify(spec.name)}\n`)
  for (const [rel, content] of Object.entries(spec.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    fs.writeFileSync(path.join(dir, rel), content)
  }
  return dir
}

/** Path → "type mode sha256|link" for every entry under dir except node_modules/.git: what "intact" means. */
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const visit = (abs: string, rel: string) => {
    for (const name of fs.readdirSync(abs).sort()) {
      if (name === 'node_modules' || name === '.git') continue
      const a = path.join(abs, name)
      const r = rel ? `${rel}/${name}` : name
      const st = fs.lstatSync(a)
      if (st.isSymbolicLink()) out[r] = `link ${fs.readlinkSync(a)}`
      else if (st.isDirectory()) {
        out[r] = `dir ${(st.mode & 0o7777).toString(8)}`
        visit(a, r)
      } else out[r] = `file ${(st.mode & 0o7777).toString(8)} ${createHash('sha256').update(fs.readFileSync(a)).digest('hex')}`
    }
  }
  visit(dir, '')
  return out
}

/** A module with a bit of everything: nested folders, an executable, binary data, unicode and spaces, a link inside, an empty folder, node_modules and .git. */
export function writeRichModule(workspace: string, name = 'rich-module', kind = 'commands'): string {
  const dir = writeModule(workspace, {
    name,
    kind,
    files: {
      'README.md': '# rich\n',
      'src/lib/util.js': 'exports.x = 1\n',
      'bin/run.sh': '#!/bin/sh\necho hi\n',
      'data/blob.bin': randomBytes(4096),
      'docs/naïve café notes.md': 'unicode and spaces\n',
      'test/a.test.js': 'test\n',
      'node_modules/dep/index.js': 'left out\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.npmignore': 'test/\n',
    },
  })
  fs.chmodSync(path.join(dir, 'bin/run.sh'), 0o755)
  fs.chmodSync(path.join(dir, 'data/blob.bin'), 0o600)
  fs.mkdirSync(path.join(dir, 'empty-dir'))
  fs.symlinkSync('../src/lib/util.js', path.join(dir, 'bin/util-link.js'))
  return dir
}

/** A host on a fresh home with a workspace open; `call` throws WardenError on failure. */
export async function openHost(workspace: string, home = tempDir('warden-home-'), options: { now?: () => number } = {}) {
  const host = new WardenHost({ home, runtime: 'cli', watch: false, now: options.now })
  await host.openWorkspace(workspace)
  async function call<K extends OperationName>(name: K, input: OperationInput<K>): Promise<OperationOutput<K>> {
    const r = await host.invoke(name, input)
    if (!r.ok) throw WardenError.from(r.error)
    return r.value as OperationOutput<K>
  }
  return { host, home, call }
}

export async function expectError(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (error) {
    return error as WardenError
  }
  throw new Error('expected the call to fail')
}
