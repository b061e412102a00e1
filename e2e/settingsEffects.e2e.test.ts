import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { serveFiles, type FileServer } from '../test/inference'
import { runCli } from '../test/cli'
import { tinyModelBuffer } from '../src/main/services/models/tinyGguf'
import { hibernatedCard, openSection } from './appPage'
import { useApp } from './fixture'
import { sameAs, screenshot } from './harness'

// What two settings do, seen in the UI of a running server: maxModelCacheSize removes downloads
// (the Models page says what and why), archiveAfterDays sets "archives in N days" on the board.

const app = useApp()
let files: FileServer
let page: Page

beforeAll(async () => {
  files = await serveFiles(Object.fromEntries(['alpha', 'bravo'].map((name, i) => [`/m/${name}.gguf`, tinyModelBuffer({ name, seed: 70 + i, padBytes: 1024 * 1024 })])))
})

afterAll(async () => {
  await files?.close()
})

async function cli(args: string[]): Promise<string> {
  const out = await runCli(args, sameAs(app.server))
  if (out.code !== 0) throw new Error(`warden ${args.join(' ')} exited ${out.code}:\n${out.stderr}\n${out.stdout}`)
  return out.stdout
}

describe('settings at work', () => {
  test('the Models page says which downloads maxModelCacheSize removed and why, and what keeps the models over it', async () => {
    page = await app.openPage()
    const models = await openSection(page, 'Models')
    await cli(['config', 'set', 'maxModelCacheSize', '2'])
    await cli(['model', 'install', `${files.base}/m/alpha.gguf`])
    const installed = await cli(['model', 'install', `${files.base}/m/bravo.gguf`])
    expect(installed).toMatch(/🗑️ {2}Removed alpha \(1\.5 MB\): least recently used/)

    const notice = models.getByTestId('cache-eviction')
    await notice.getByText('Removed 1 downloaded model to stay under the cache limit (maxModelCacheSize)').waitFor()
    await notice.getByText(/^alpha · 1\.5 MB · last used/).waitFor()
    await notice.getByText(/^After an install, .*: the least recently used go first/).waitFor()
    expect(await models.getByTestId('model-cache').textContent()).toMatch(/1\.5 MB of 2\.0 MB cache/)
    await page.getByTestId('toast-info').getByText('Removed 1 model to stay under the cache limit').waitFor()
    await screenshot(page, 'models-cache-eviction')

    // Dismissed, it stays dismissed in this browser.
    await notice.getByRole('button', { name: 'Dismiss' }).click()
    await notice.waitFor({ state: 'detached' })
    await page.reload()
    await (await openSection(page, 'Models')).getByTestId('model-storage').waitFor()
    await page.waitForTimeout(300)
    expect(await page.getByTestId('cache-eviction').count()).toBe(0)

    // A pinned model is never removed: lowering the limit below it says so.
    await cli(['worker', 'load', 'bravo'])
    await cli(['worker', 'pin', 'bravo'])
    await cli(['config', 'set', 'maxModelCacheSize', '1'])
    const over = page.getByTestId('cache-over-limit')
    await over.getByText('Downloaded models take 1.5 MB, more than the 1.0 MB of maxModelCacheSize').waitFor()
    await over.getByText('bravo is pinned, so it stays. Unpin or unload models, or raise the limit.').waitFor()
    await screenshot(page, 'models-cache-over-limit')
    await cli(['worker', 'unload', 'bravo'])
    await cli(['config', 'set', 'maxModelCacheSize', '0'])
  })

  test('a hibernated card says when it will be archived, following archiveAfterDays; at 0 it says nothing', async () => {
    page = await app.openPage()
    await cli(['config', 'set', 'archiveAfterDays', '45'])
    await cli(['module', 'hibernate', '--name', 'hello', '--reason', 'settings test'])
    const card = hibernatedCard(page, 'hello')
    await card.getByText('archives in 45 days').waitFor()
    await cli(['config', 'set', 'archiveAfterDays', '3'])
    await card.getByText('archives in 3 days').waitFor()
    await cli(['config', 'set', 'archiveAfterDays', '0'])
    await card.getByText(/archives in/).waitFor({ state: 'detached' })
    await card.waitFor()
  })
})
