import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openHost, tempDir, writeModule, writeRichModule } from '../../../../test/fixtures'

const hosts: Array<{ dispose(): void }> = []
afterEach(() => {
  while (hosts.length) hosts.pop()!.dispose()
})

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } })

describe('npm compatibility', () => {
  it('`npm install X.tgz` installs a hibernation archive', async () => {
    const ws = tempDir('warden-ws-')
    writeModule(ws, { name: 'greeter', files: { 'lib/hello.js': 'module.exports = () => "hi"\n' } })
    const { host, call } = await openHost(ws)
    hosts.push(host)
    const out = await call('module.hibernate', { name: 'greeter' })
    const project = tempDir('warden-npm-')
    fs.writeFileSync(path.join(project, 'package.json'), '{"name":"consumer","version":"1.0.0"}')
    npm(['install', '--offline', '--no-audit', '--no-fund', out.hibernated[0].archivePath], project)
    const installed = path.join(project, 'node_modules/greeter')
    expect(fs.readFileSync(path.join(installed, 'lib/hello.js'), 'utf8')).toContain('"hi"')
    expect(JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')).dependencies.greeter).toMatch(/greeter\.\d+\.tgz$/)
  })

  it('`module pack` chooses exactly the files `npm pack` does (files, .npmignore)', async () => {
    const ws = tempDir('warden-ws-')
    const rich = writeRichModule(ws)
    const withFiles = writeModule(ws, { name: '@scope/with-files', pkg: { files: ['lib/', '!lib/secret.js'] }, files: { 'lib/a.js': 'a', 'lib/secret.js': 's', 'other.js': 'o', 'README.md': '#' } })
    const { host, call } = await openHost(ws)
    hosts.push(host)
    const outDir = tempDir('warden-pack-')
    for (const [name, dir] of [
      ['rich-module', rich],
      ['@scope/with-files', withFiles],
    ] as const) {
      const ours = await call('module.pack', { name, outDir })
      const theirs = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], dir))[0] as { filename: string; files: Array<{ path: string }> }
      expect(ours.files.sort()).toEqual(theirs.files.map((f) => f.path).sort())
      expect(path.basename(ours.path)).toBe(theirs.filename)
      const listing = execFileSync('tar', ['-tzf', ours.path], { encoding: 'utf8' }).trim().split('\n').sort()
      expect(listing).toEqual(theirs.files.map((f) => `package/${f.path}`).sort())
    }
  })
})
