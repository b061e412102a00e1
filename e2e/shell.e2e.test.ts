import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import { setColorScheme } from './appPage'
import { useApp } from './fixture'
import { screenshot } from './harness'

const app = useApp({ demo: false })

describe('first run and the app shell', () => {
  test('without a workspace: a bad folder gets a clear error, then the demo workspace opens', async () => {
    const page = await app.openPage()
    const firstRun = page.getByTestId('first-run')
    await firstRun.getByRole('heading', { name: 'Welcome to Warden' }).waitFor()
    expect(await firstRun.getByLabel('Demo workspace folder', { exact: true }).inputValue()).toBe(path.join(app.server.home, 'demo-workspace'))
    await screenshot(page, 'first-run-light')
    await setColorScheme(page, 'dark')
    await screenshot(page, 'first-run-dark')
    await setColorScheme(page, 'light')

    const missing = path.join(app.server.home, 'no-such-folder')
    await firstRun.getByLabel('Workspace folder', { exact: true }).fill(missing)
    await firstRun.getByRole('button', { name: 'Open folder' }).click()
    const error = page.getByTestId('toast-error')
    await error.getByText(`Workspace folder ${missing} does not exist`).waitFor()
    await error.getByText('create a demo').waitFor()
    await screenshot(page, 'error-toast-light')
    expect(await firstRun.isVisible()).toBe(true)

    await firstRun.getByLabel('Demo workspace folder', { exact: true }).fill(app.server.workspace)
    await firstRun.getByRole('button', { name: 'Create demo workspace' }).click()
    await page.getByTestId('active-column').waitFor()
    await expect.poll(() => page.getByTestId('active-column').locator('[data-testid^="module-card-"]').count()).toBe(20)
    expect(await page.getByTestId('workspace-path').textContent()).toBe(app.server.workspace)
  })

  test('the About box shows versions and the home folder; every section is a link', async () => {
    const page = await app.openPage()
    await page.getByRole('navigation', { name: 'Sections' }).getByText('Workers').waitFor()
    // Health was the last section "coming soon": none is left disabled.
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Health' }).getAttribute('href')).toBe('#health')
    expect(await page.locator('[aria-disabled="true"].nav-item').count()).toBe(0)
    await page.getByRole('button', { name: 'About' }).click()
    const about = page.getByTestId('about-dialog')
    await about.waitFor()
    expect(await about.getByTestId('about-home').textContent()).toBe(app.server.home)
    await about.getByText('Node.js').waitFor()
    await about.getByText(process.versions.node).waitFor()
    await about.getByText('headless server').first().waitFor()
    // The token left the address bar (history, bookmarks, screen shares); a reload still works.
    expect(page.url()).not.toContain(app.server.token)
    expect(page.url()).not.toContain('token=')
    await page.keyboard.press('Escape')
    await page.reload()
    await page.getByRole('navigation', { name: 'Sections' }).getByText('Workers').waitFor()
    await page.getByRole('button', { name: 'About' }).click()
    await about.getByText('headless server').first().waitFor()
    await about.getByText('Chrome').waitFor()
    await screenshot(page, 'about-light')
    await page.keyboard.press('Escape')
    await about.waitFor({ state: 'detached' })

    // The workspace in the header opens another one.
    await page.getByTestId('workspace-path').click()
    const open = page.getByRole('dialog', { name: 'Open workspace' })
    expect(await open.getByLabel('Folder path').inputValue()).toBe(app.server.workspace)
    await open.getByRole('button', { name: 'Cancel' }).click()
    await open.waitFor({ state: 'detached' })
  })
})
