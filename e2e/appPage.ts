import type { Browser, Locator, Page } from 'playwright-core'
import { runCli, succeeded } from '../test/cli'
import { sameAs, type ServerHandle } from './harness'

/** A fresh page on the served UI, in the given colour scheme, with the board (or first-run screen) loaded. */
export async function openApp(browser: Browser, server: ServerHandle, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme, reducedMotion: 'reduce' })
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('[page error]', e.message))
  await page.goto(server.url)
  await page.locator('[data-testid="active-column"], [data-testid="first-run"]').first().waitFor()
  return page
}

/** Switch the emulated OS theme and wait until the page has painted in it. */
export async function setColorScheme(page: Page, colorScheme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme })
  await page.waitForFunction((dark) => matchMedia('(prefers-color-scheme: dark)').matches === dark, colorScheme === 'dark')
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))))
}

export async function closePage(page: Page): Promise<void> {
  await page.context().close()
}

export function card(page: Page, name: string): Locator {
  return page.getByTestId(`module-card-${name}`)
}

export function activeCard(page: Page, name: string): Locator {
  return page.getByTestId('active-column').getByTestId(`module-card-${name}`)
}

export function hibernatedCard(page: Page, name: string): Locator {
  return page.getByTestId('hibernated-column').getByTestId(`module-card-${name}`)
}

/** Run the CLI with --json against the server's home and workspace; fails loudly on a non-zero exit. */
export async function cliJson<T>(server: ServerHandle, args: string[]): Promise<T> {
  return succeeded(await runCli([...args, '--json'], sameAs(server))).json<T>()
}

export interface ListJson {
  kinds: Array<{ kind: string; modules: Array<{ name: string }> }>
}
export interface HibernatedJson {
  modules: Array<{ name: string; reason: string; hibernatedAt: number }>
}

export async function activeNames(server: ServerHandle): Promise<string[]> {
  const list = await cliJson<ListJson>(server, ['module', 'list'])
  return list.kinds.flatMap((k) => k.modules.map((m) => m.name))
}

export async function hibernatedNames(server: ServerHandle): Promise<string[]> {
  const list = await cliJson<HibernatedJson>(server, ['module', 'list-hibernated'])
  return list.modules.map((m) => m.name)
}

/** Go to a section from the sidebar and wait for its page. */
export async function openSection(page: Page, label: 'Modules' | 'Workers' | 'Models' | 'Personas' | 'Genome' | 'Health' | 'Healing' | 'Settings'): Promise<Locator> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: label }).click()
  const testId = label === 'Modules' ? 'active-column' : `${label.toLowerCase()}-page`
  const section = page.getByTestId(testId)
  await section.waitFor()
  return section
}
