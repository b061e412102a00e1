import { describe, expect, it } from 'vitest'
import { runCliInProcess } from '../../../test/cli'
import { tempDir } from '../../../test/fixtures'

const cli = (args: string[], home: string) => runCliInProcess(args, { home })

describe('warden api-key', () => {
  it('creates a key (shown once), lists keys by their first characters, and revokes one', async () => {
    const home = tempDir('warden-home-')
    const created = await cli(['api-key', 'create', '--name', 'cursor'], home)
    expect(created.code).toBe(0)
    const key = /\b(wdn_[\w-]+)/.exec(created.stdout)?.[1] ?? ''
    expect(key).toHaveLength(36)
    expect(created.stdout).toContain('cannot show it again')
    expect(created.stdout).toContain('warden api-key revoke --name "cursor"')

    const list = await cli(['api-key', 'list'], home)
    expect(list.stdout).toMatch(new RegExp(`cursor\\s+${key.slice(0, 12)}…\\s+created just now\\s+never used`))
    expect(list.stdout).not.toContain(key)
    expect(list.stdout).toContain('not served now')

    const again = await cli(['api-key', 'create', '--name', 'cursor'], home)
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('An API key named "cursor" already exists')

    const revoked = await cli(['api-key', 'revoke', '--name', 'cursor'], home)
    expect(revoked.stdout).toContain(`Revoked "cursor" (${key.slice(0, 12)}…)`)
    expect((await cli(['api-key', 'list', '--json'], home)).stdout).toContain('"keys": []')
  })
})
