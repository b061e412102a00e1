import type { Locator, Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { cliJson, openSection, setColorScheme } from './appPage'
import { useApp } from './fixture'
import { screenshot } from './harness'

const app = useApp()

/** A setting's value as the CLI reads it (attached to the running server). */
async function cliValue(key: string, args: string[] = []): Promise<unknown> {
  const out = await cliJson<{ settings: Array<{ key: string; value: unknown }> }>(app.server, [...args, 'config', 'get', key])
  return out.settings[0].value
}

async function openSettings(): Promise<{ page: Page; section: Locator }> {
  const page = await app.openPage()
  return { page, section: await openSection(page, 'Settings') }
}

const input = (section: Locator, key: string) => section.getByTestId(`setting-input-${key}`)

describe('Settings page', () => {
  test('a change applies at once and reaches the CLI and another window; a change by the CLI shows without a reload', async () => {
    const { page, section } = await openSettings()
    const other = await openSettings()
    for (const group of ['Memory', 'Workers', 'Requests', 'Models']) await section.getByRole('heading', { name: group }).waitFor()
    expect(await section.getByTestId('setting-default-maxRAMPerWorker').textContent()).toBe('4,096 MB')
    expect(await section.getByTestId('setting-default-maxVRAM').textContent()).toBe('detect')

    // Typed and applied with Enter: the CLI reads it, the other window shows it.
    const queue = section.getByLabel('Queue length', { exact: true })
    expect(await queue.inputValue()).toBe('64')
    await queue.fill('12')
    await queue.press('Enter')
    await section.getByTestId('setting-maxQueueSize').getByText('Saved').waitFor()
    expect(await cliValue('maxQueueSize')).toBe(12)
    await expect.poll(() => input(other.section, 'maxQueueSize').inputValue()).toBe('12')
    await section.getByTestId('setting-maxQueueSize').getByText('changed').waitFor()

    // The switch and "auto or a number".
    await section.getByRole('switch', { name: 'Install missing models' }).click()
    await expect.poll(() => cliValue('autoInstallModels')).toBe(false)
    const layers = section.getByTestId('setting-gpuLayers')
    await layers.getByRole('button', { name: 'Set' }).click()
    await input(section, 'gpuLayers').fill('12')
    await input(section, 'gpuLayers').press('Enter')
    await expect.poll(() => cliValue('gpuLayers')).toBe(12)
    await layers.getByRole('button', { name: 'Auto' }).click()
    await expect.poll(() => cliValue('gpuLayers')).toBe('auto')

    // Changed from the CLI: through the running server, and by a process of its own (--local).
    expect((await cliJson<{ value: unknown }>(app.server, ['config', 'set', 'idleUnloadMinutes', '5'])).value).toBe(5)
    await expect.poll(() => input(section, 'idleUnloadMinutes').inputValue()).toBe('5')
    await cliJson(app.server, ['--local', 'config', 'set', 'threadsPerWorker', '1'])
    await expect.poll(() => input(section, 'threadsPerWorker').inputValue(), { timeout: 10_000 }).toBe('1')
    await expect.poll(() => input(other.section, 'threadsPerWorker').inputValue(), { timeout: 10_000 }).toBe('1')

    // Reset to the default.
    await section.getByRole('button', { name: 'Reset Install missing models to its default' }).click()
    await expect.poll(() => cliValue('autoInstallModels')).toBe(true)
    await expect.poll(() => other.section.getByRole('switch', { name: 'Install missing models' }).getAttribute('aria-checked')).toBe('true')
    await page.bringToFront()
  })

  test('a refused value is explained beside its field and nothing is sent; Escape puts the value back', async () => {
    const { page, section } = await openSettings()
    const timeout = section.getByLabel('Request time limit', { exact: true })
    await timeout.fill('10')
    await timeout.press('Enter')
    const error = section.getByTestId('setting-error-requestTimeoutMs')
    expect(await error.textContent()).toBe('At least 1000 ms')
    expect(await timeout.getAttribute('aria-invalid')).toBe('true')
    expect(await cliValue('requestTimeoutMs')).toBe(300000)

    const folder = section.getByLabel('Model folder', { exact: true })
    await folder.fill('relative/models')
    await folder.press('Enter')
    expect(await section.getByTestId('setting-error-modelStoragePath').textContent()).toBe('Give an absolute folder path (or "" for the default)')
    expect(await cliValue('modelStoragePath')).toBe('')

    // Tall enough to show every group at once.
    await page.setViewportSize({ width: 1440, height: 2100 })
    await screenshot(page, 'settings-light')
    await setColorScheme(page, 'dark')
    await screenshot(page, 'settings-dark')
    await setColorScheme(page, 'light')

    await folder.press('Escape')
    expect(await folder.inputValue()).toBe('')
    await section.getByTestId('setting-error-modelStoragePath').waitFor({ state: 'detached' })
  })
})
