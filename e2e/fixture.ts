import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { closePage, openApp } from './appPage'
import { launchBrowser, startServer, type ServerHandle } from './harness'

export interface AppFixture {
  /** The file's server: a fresh WARDEN_HOME, and the demo workspace unless `demo: false`. */
  readonly server: ServerHandle
  readonly browser: Browser
  /** A fresh page on the app, with the board (or the first-run screen) loaded; closed after the test. */
  openPage(colorScheme?: 'light' | 'dark'): Promise<Page>
}

/**
 * The fixture of the browser e2e files: one served Warden and one Chromium for the whole file (they
 * take seconds to start), a fresh page (its own browser context) for each test, closed after it.
 * Call it once at the top of a test file.
 */
export function useApp(options: { demo?: boolean } = {}): AppFixture {
  let server: ServerHandle | undefined
  let browser: Browser | undefined
  const pages: Page[] = []

  beforeAll(async () => {
    server = await startServer(options)
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })
  afterEach(async () => {
    for (const page of pages.splice(0)) await closePage(page)
  })

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} starts in beforeAll: use it inside a test or a hook`)
    return value
  }
  return {
    get server() {
      return started(server, 'The server')
    },
    get browser() {
      return started(browser, 'The browser')
    },
    async openPage(colorScheme = 'light') {
      const page = await openApp(this.browser, this.server, colorScheme)
      pages.push(page)
      return page
    },
  }
}
