import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import type { ModelInfo, Persona, WorkerInfo } from '../src/shared/contract/inference'
import type { LogEntry } from '../src/shared/contract/logs'
import { tinyModelBuffer, writeTinyModel } from '../src/main/services/models/tinyGguf'
import { formatBytes } from '../src/shared/format'
import { cliJson, openSection, setColorScheme } from './appPage'
import { useApp } from './fixture'
import { screenshot } from './harness'

// --demo also gives tiny local models and two personas (Ada and Brook).
const app = useApp()

const personas = async () => (await cliJson<{ personas: Persona[] }>(app.server, ['persona', 'list'])).personas
const models = async () => (await cliJson<{ models: ModelInfo[] }>(app.server, ['model', 'list'])).models
const workers = async () => (await cliJson<{ workers: WorkerInfo[] }>(app.server, ['workers'])).workers

/** Record every length the streaming reply's text goes through, to see it grow token by token. */
async function watchStreaming(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __streamed: number[] }
    w.__streamed = []
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="chat-streaming"] [data-testid="chat-reply-text"]')
      const n = el?.firstChild?.textContent?.length ?? 0
      if (n > 0 && w.__streamed[w.__streamed.length - 1] !== n) w.__streamed.push(n)
    }).observe(document.body, { subtree: true, childList: true, characterData: true })
  })
}

describe('personas, workers and models', () => {
  test('create a persona on an installed model and chat: the answer streams in, then the footer shows tokens/s', async () => {
    const page = await app.openPage()
    const section = await openSection(page, 'Personas')
    for (const p of await personas()) await section.getByTestId(`persona-item-${p.name}`).waitFor()
    await screenshot(page, 'personas-light')

    await section.getByRole('button', { name: 'New', exact: true }).click()
    const dialog = page.getByTestId('persona-dialog')
    await dialog.waitFor()
    await dialog.getByLabel('Name').fill('Cleo')
    // The first installed model is chosen once the list has arrived.
    const model = dialog.getByLabel('Model', { exact: true })
    const installed = (await models()).filter((m) => m.installed).map((m) => m.id)
    await expect.poll(() => model.inputValue()).toBe(installed[0])
    const modelId = await model.inputValue()
    await dialog.getByLabel('System prompt').fill('You are Cleo. Answer briefly.')
    // Enough tokens that the answer takes several frames to stream.
    await dialog.getByLabel('Max tokens').fill('96')
    await screenshot(page, 'persona-dialog-light')
    await dialog.getByRole('button', { name: 'Create persona' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.getByTestId('toast-success').getByText('Created Cleo').waitFor()
    expect((await personas()).find((p) => p.name === 'Cleo')).toMatchObject({ model: modelId, systemPrompt: 'You are Cleo. Answer briefly.', settings: { maxTokens: 96 } })

    const chat = page.getByTestId('chat-panel')
    await chat.getByRole('heading', { name: 'Cleo' }).waitFor()
    expect(await section.getByTestId('persona-item-Cleo').getAttribute('aria-current')).toBe('true')
    await chat.getByText('Say hello to Cleo').waitFor()

    await watchStreaming(page)
    await chat.getByLabel('Message to Cleo').fill('Hello, who are you?')
    await page.keyboard.press('Enter')
    await chat.getByTestId('chat-user').getByText('Hello, who are you?').waitFor()
    const reply = chat.getByTestId('chat-reply').last()
    const footer = reply.getByTestId('chat-footer')
    await footer.waitFor({ timeout: 60_000 })
    expect(await footer.textContent()).toMatch(/\d+ tokens · [\d,.]+ tok\/s · [\d.]+ s/)
    expect(await footer.textContent()).toContain('loaded the model')
    const text = (await reply.getByTestId('chat-reply-text').textContent()) ?? ''
    expect(text.length).toBeGreaterThan(0)
    // The text grew in steps while the call was running, before the final answer replaced it.
    const streamed = await page.evaluate(() => (window as unknown as { __streamed: number[] }).__streamed)
    expect(streamed.length).toBeGreaterThan(1)
    await chat.getByTestId('chat-stop').waitFor({ state: 'detached' })

    // The host recorded both messages, and the list shows the count.
    await expect.poll(async () => (await personas()).find((p) => p.name === 'Cleo')?.messages).toBe(2)
    await expect.poll(() => section.getByTestId('persona-item-Cleo').getByTestId('persona-count').textContent()).toBe('2 messages')
    await screenshot(page, 'personas-chat-light')
    await setColorScheme(page, 'dark')
    await screenshot(page, 'personas-chat-dark')
    await setColorScheme(page, 'light')

    // Switching persona while one answers loses nothing: ask Cleo, open Ada at once, ask her too.
    const ada = (await personas()).find((p) => p.name !== 'Cleo')!
    await chat.getByLabel('Message to Cleo').fill('Tell me more.')
    await page.keyboard.press('Enter')
    await section.getByTestId(`persona-item-${ada.name}`).click()
    await chat.getByRole('heading', { name: ada.name }).waitFor()
    await chat.getByLabel(`Message to ${ada.name}`).fill('Hi!')
    await page.keyboard.press('Enter')
    await chat.getByTestId('chat-reply').last().getByTestId('chat-footer').waitFor({ timeout: 60_000 })
    await section.getByTestId('persona-item-Cleo').click()
    await chat.getByRole('heading', { name: 'Cleo' }).waitFor()
    await expect.poll(() => chat.getByTestId('chat-footer').count(), { timeout: 60_000 }).toBe(2)
    expect(await chat.getByTestId('chat-user').count()).toBe(2)

    // Clear the conversation.
    await chat.getByRole('button', { name: 'Clear conversation' }).click()
    await page.getByTestId('clear-dialog').getByRole('button', { name: 'Clear conversation' }).click()
    await chat.getByText('Say hello to Cleo').waitFor()
    await expect.poll(async () => (await personas()).find((p) => p.name === 'Cleo')?.messages).toBe(0)
  })

  test('workers: a loaded model has a row with its PID; Kill restarts it with a new PID', async () => {
    const page = await app.openPage()
    const section = await openSection(page, 'Workers')
    await section.getByTestId('memory-bar').waitFor()
    let loaded = await workers()
    if (loaded.length === 0) {
      // No chat ran before this test (run alone): load a model from the picker.
      const picker = section.getByLabel('Model to load')
      const modelId = await picker.inputValue()
      await section.getByRole('button', { name: 'Load model' }).click()
      await section.getByTestId(`worker-row-${modelId}`).waitFor()
      await expect.poll(async () => (await workers()).find((w) => w.modelId === modelId)?.state, { timeout: 30_000 }).toBe('ready')
      loaded = await workers()
    }
    const worker = loaded.find((w) => w.pid !== null)!
    const row = section.getByTestId(`worker-row-${worker.modelId}`)
    await expect.poll(() => row.getAttribute('data-pid')).toBe(String(worker.pid))
    expect(await row.getByTestId('worker-pid').textContent()).toBe(String(worker.pid))
    await row.getByText('0 restarts').waitFor()
    // The estimate it was placed by and the memory measured after loading, side by side.
    const listed = (await workers()).find((w) => w.modelId === worker.modelId)!
    expect(listed.measuredBytes).toBeGreaterThan(0)
    await expect.poll(() => row.getByTestId('worker-estimate').textContent()).toBe(`estimate ${formatBytes(listed.estimateBytes)}`)
    await expect.poll(async () => (await row.getByTestId('worker-measured').textContent())?.startsWith('measured ') && !(await row.getByTestId('worker-measured').textContent())?.includes('—')).toBe(true)
    await screenshot(page, 'workers-light')
    await setColorScheme(page, 'dark')
    await screenshot(page, 'workers-dark')
    await setColorScheme(page, 'light')

    await row.getByRole('button', { name: `Kill ${worker.modelName}` }).click()
    const dialog = page.getByTestId('kill-dialog')
    await dialog.getByText('Warden restarts it').waitFor()
    await screenshot(page, 'kill-dialog-light')
    await dialog.getByRole('button', { name: 'Kill worker' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.getByTestId('toast-success').getByText(`Killed PID ${worker.pid}`).waitFor()

    // The row recovers: a new process, one restart, one crash.
    await expect.poll(() => row.getAttribute('data-pid'), { timeout: 30_000 }).toMatch(/^\d+$/)
    await expect.poll(() => row.getAttribute('data-pid'), { timeout: 30_000 }).not.toBe(String(worker.pid))
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready')
    await row.getByTestId('worker-restarts').getByText('1 restart', { exact: true }).waitFor()
    await row.getByTestId('worker-restarts').getByText('1 crash', { exact: true }).waitFor()
    const after = (await workers()).find((w) => w.modelId === worker.modelId)!
    expect(after).toMatchObject({ restarts: 1, crashes: 1 })
    expect(await row.getAttribute('data-pid')).toBe(String(after.pid))
    await screenshot(page, 'workers-after-kill-light')
  })

  test('workers: a row’s Log shows its worker’s lines, and after a kill how the process ended', async () => {
    const brook = (await personas()).find((p) => p.name === 'Brook')!
    const page = await app.openPage()
    const section = await openSection(page, 'Workers')
    await section.getByTestId('memory-bar').waitFor()
    // Not Brook's model: the quarantine test counts its crashes.
    let w = (await workers()).find((x) => x.modelId !== brook.model && x.state === 'ready')
    if (!w) {
      const other = (await models()).find((m) => m.installed && m.id !== brook.model)!
      await cliJson(app.server, ['worker', 'load', other.id])
      w = (await workers()).find((x) => x.modelId === other.id)!
    }
    const row = section.getByTestId(`worker-row-${w.modelId}`)
    await expect.poll(() => row.getAttribute('data-pid')).toBe(String(w.pid))
    await row.getByRole('button', { name: `Log of ${w.modelName}` }).click()
    const log = section.getByRole('list', { name: `Log of ${w.modelName}` })
    // A process started for this model, or the spare one the server keeps ready, put to use.
    const started = (pid: unknown) => new RegExp(`^Worker process ${pid} (started|\\(started as the spare worker\\) serves this model)$`)
    await log.getByText(started(w.pid)).waitFor()
    await log.getByText(/^Loaded .* in \d+ ms/).first().waitFor()
    await screenshot(page, 'worker-log-light')

    await cliJson(app.server, ['worker', 'kill', w.modelId])
    // Once it is back, how the old process ended and the new one started, under its row.
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready')
    const pid = await row.getAttribute('data-pid')
    await log.getByText(new RegExp(`Worker process ${w.pid} killed \\(SIGKILL`)).waitFor()
    await log.getByText(started(pid)).waitFor()
    await setColorScheme(page, 'dark')
    await screenshot(page, 'worker-log-dark')
    await setColorScheme(page, 'light')
    // The same lines for the CLI.
    const cli = (await cliJson<{ entries: LogEntry[] }>(app.server, ['logs', '--worker', w.modelId])).entries.map((e) => e.msg)
    expect(cli.some((m) => started(w.pid).test(m))).toBe(true)
    expect(cli.some((m) => started(pid).test(m))).toBe(true)
    // Hidden again with the same button.
    await row.getByRole('button', { name: `Log of ${w.modelName}` }).click()
    await log.waitFor({ state: 'detached' })
  })

  test('models: lists the installed models; a local .gguf is added from the field, then removed (the file stays)', async () => {
    const page = await app.openPage()
    const section = await openSection(page, 'Models')
    const installed = (await models()).filter((m) => m.installed)
    expect(installed.length).toBeGreaterThan(0)
    for (const m of installed) {
      const card = section.getByTestId(`model-card-${m.id}`)
      await card.waitFor()
      await card.getByText(m.name, { exact: true }).waitFor()
    }
    expect(await section.getByTestId('model-storage').textContent()).toContain(path.join(app.server.home))
    await screenshot(page, 'models-light')
    await setColorScheme(page, 'dark')
    await screenshot(page, 'models-dark')
    await setColorScheme(page, 'light')

    // A bad entry says what it expects.
    const field = section.getByRole('textbox', { name: 'Add a model' })
    await field.fill('not a model')
    await section.getByRole('button', { name: 'Add', exact: true }).click()
    await section.getByRole('alert').getByText('neither a URI nor a file path').waitFor()

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-e2e-model-'))
    try {
      const file = path.join(dir, 'e2e-extra.gguf')
      await writeTinyModel(file, { name: 'e2e extra', seed: 7 })
      await field.fill(file)
      await section.getByRole('button', { name: 'Add file' }).click()
      await page.getByTestId('toast-success').getByText('Added').first().waitFor()
      const card = section.getByTestId('model-card-e2e-extra')
      await card.waitFor()
      expect(await field.inputValue()).toBe('')
      expect((await models()).find((m) => m.id === 'e2e-extra')).toMatchObject({ installed: true, path: file })

      await card.getByRole('button', { name: /^Remove / }).click()
      const dialog = page.getByTestId('remove-model-dialog')
      await dialog.getByText('not deleted').waitFor()
      await screenshot(page, 'remove-model-light')
      await dialog.getByRole('button', { name: 'Forget model' }).click()
      await dialog.waitFor({ state: 'detached' })
      await card.waitFor({ state: 'detached' })
      expect((await models()).some((m) => m.id === 'e2e-extra')).toBe(false)
      expect(fs.existsSync(file)).toBe(true)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  test('models: a download from a URL shows its progress and can be cancelled; installing again finishes', async () => {
    // A local server that sends a tiny model slowly (/slow/…) or at once.
    const data = tinyModelBuffer({ name: 'e2e download', seed: 9 })
    const files = http.createServer((req, res) => {
      const slow = req.url?.startsWith('/slow/')
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length })
      if (!slow) return void res.end(data)
      let sent = 0
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer)
        const chunk = data.subarray(sent, sent + 4096)
        sent += chunk.length
        res.write(chunk)
        if (sent >= data.length) {
          clearInterval(timer)
          res.end()
        }
      }, 50)
      res.on('close', () => clearInterval(timer))
    })
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`
    try {
      const page = await app.openPage()
      const section = await openSection(page, 'Models')
      const field = section.getByRole('textbox', { name: 'Add a model' })
      await field.fill(`${base}/slow/e2e-download.gguf`)
      await section.getByRole('button', { name: 'Download' }).click()
      const progress = section.getByTestId('install-progress').first()
      await progress.waitFor()
      await expect.poll(async () => Number((await progress.getByTestId('install-percent').textContent())?.replace('%', '') || 0), { timeout: 30_000 }).toBeGreaterThan(0)
      expect(await progress.textContent()).toMatch(/KB/)
      await screenshot(page, 'model-download-light')
      await progress.getByRole('button', { name: /^Cancel installing/ }).click()
      await page.getByTestId('toast-info').getByText('Stopped installing').waitFor()
      await section.getByTestId('install-progress').waitFor({ state: 'detached' })
      expect((await models()).find((m) => m.uri?.includes('e2e-download'))?.installed ?? false).toBe(false)

      await field.fill(`${base}/fast/e2e-download.gguf`)
      await section.getByRole('button', { name: 'Download' }).click()
      await page.getByTestId('toast-success').getByText('Installed').first().waitFor({ timeout: 30_000 })
      await section.getByTestId('models-installed').getByTestId('model-card-e2e-download').waitFor()
      expect((await models()).find((m) => m.id === 'e2e-download')).toMatchObject({ installed: true, size: data.length })
    } finally {
      files.closeAllConnections()
      await new Promise((resolve) => files.close(resolve))
    }
  })

  test('a model that keeps crashing is quarantined: an alert, a red row with the error, chats refused with a hint; Restart lifts it', async () => {
    const brook = (await personas()).find((p) => p.name === 'Brook')!
    const page = await app.openPage()
    const section = await openSection(page, 'Workers')
    const row = section.getByTestId(`worker-row-${brook.model}`)
    if (!(await workers()).some((w) => w.modelId === brook.model)) {
      await section.getByLabel('Model to load').selectOption(brook.model)
      await section.getByRole('button', { name: 'Load model' }).click()
    }
    // Two crashes from the CLI (each followed by the restart Warden makes), the third from the UI.
    for (let crash = 1; crash <= 3; crash++) {
      await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready')
      if (crash < 3) {
        await cliJson(app.server, ['worker', 'kill', brook.model])
        await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).not.toBe('ready')
        continue
      }
      await row.getByRole('button', { name: /^Kill / }).click()
      await page.getByTestId('kill-dialog').getByRole('button', { name: 'Kill worker' }).click()
    }
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('quarantined')
    await page.getByTestId('toast-error').getByText(/quarantined/).first().waitFor()
    const error = section.getByTestId(`worker-error-${brook.model}`)
    await error.getByText('is quarantined').waitFor()
    await error.getByText(/^The worker .*SIGKILL/).waitFor()
    // With the last lines of its log: how each process ended.
    const lastLines = error.getByRole('list', { name: /^Last lines of .*’s log$/ })
    await expect.poll(() => lastLines.getByText(/killed \(SIGKILL/).count()).toBeGreaterThan(0)
    await screenshot(page, 'workers-quarantined-light')
    await setColorScheme(page, 'dark')
    await screenshot(page, 'workers-quarantined-dark')
    await setColorScheme(page, 'light')

    // Brook's model is refused, with what to do.
    const personasPage = await openSection(page, 'Personas')
    await personasPage.getByTestId('persona-item-Brook').click()
    const chat = page.getByTestId('chat-panel')
    await chat.getByLabel('Message to Brook').fill('Are you there?')
    await page.keyboard.press('Enter')
    const refused = chat.getByTestId('chat-error')
    await refused.getByText('QUARANTINED').waitFor({ timeout: 30_000 })
    await refused.getByText('restart').first().waitFor()
    await screenshot(page, 'chat-error-light')

    // Restart lifts the quarantine; sending again is answered.
    await openSection(page, 'Workers')
    await row.getByRole('button', { name: 'Restart' }).click()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready')
    await error.waitFor({ state: 'detached' })
    await openSection(page, 'Personas')
    await chat.getByRole('button', { name: 'Send again' }).click()
    await chat.getByTestId('chat-reply').last().getByTestId('chat-footer').waitFor({ timeout: 60_000 })
  })
})
