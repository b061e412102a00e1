import OpenAI from 'openai'
import { describe, expect, test } from 'vitest'
import { useApp } from './fixture'
import { screenshot } from './harness'

// The demo's personas: Ada and Brook.
const app = useApp()

describe('API keys page', () => {
  test('create a key (shown once, copied), use it with the OpenAI client, then revoke it', async () => {
    const page = await app.openPage()
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.server.url).origin })
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'API keys' }).click()
    const section = page.getByTestId('api-page')
    await section.waitFor()
    const base = `${new URL(app.server.url).origin}/v1`
    await expect.poll(() => section.getByTestId('api-endpoint').textContent()).toContain(base)
    await section.getByText('No API keys yet').waitFor()

    await section.getByTestId('new-key-name').fill('cursor')
    await section.getByTestId('create-key').click()
    const shown = section.getByTestId('created-key-value')
    await shown.waitFor()
    const key = await shown.inputValue()
    expect(key).toMatch(/^wdn_/)
    await section.getByRole('button', { name: 'Copy' }).click()
    await section.getByRole('button', { name: 'Copied' }).waitFor()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key)
    await screenshot(page, 'api-keys-created')

    const client = new OpenAI({ baseURL: base, apiKey: key, maxRetries: 0 })
    expect((await client.models.list()).data.map((m) => m.id).sort()).toEqual(['Ada', 'Brook'])

    // Once dismissed (or after a reload), only its first characters are shown.
    await section.getByRole('button', { name: 'Done' }).click()
    await page.reload()
    await page.getByTestId('api-page').getByTestId('api-key-cursor').waitFor()
    const row = page.getByTestId('api-key-cursor')
    expect(await row.textContent()).toContain(`${key.slice(0, 12)}…`)
    expect(await page.content()).not.toContain(key)

    await row.getByRole('button', { name: 'Revoke cursor' }).click()
    const dialog = page.getByTestId('revoke-key-dialog')
    await dialog.getByRole('button', { name: 'Revoke key' }).click()
    await row.waitFor({ state: 'detached' })
    await expect(client.models.list()).rejects.toMatchObject({ status: 401 })
  })
})
