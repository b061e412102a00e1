import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import type { Persona } from '../src/shared/contract/inference'
import { writeTinyAdapter } from '../test/adapters'
import { cliJson, openSection } from './appPage'
import { useApp } from './fixture'
import { screenshot } from './harness'

// --demo gives tiny local models; the tiny models embed too (random but deterministic vectors).
const app = useApp()
const adapterNames = async () => (await cliJson<{ adapters: Array<{ name: string }> }>(app.server, ['adapter', 'list'])).adapters.map((a) => a.name)

describe('the Genome page', () => {
  test('lists adapters, adds one by path, tries a prompt (similarities and the genome), removes one; the persona page shows its genome', async () => {
    const persona = (await cliJson<{ personas: Persona[] }>(app.server, ['persona', 'list'])).personas[0]
    const model = persona.model
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-e2e-lora-'))
    const lora = await writeTinyAdapter(path.join(src, 'a.gguf'))
    await cliJson(app.server, ['adapter', 'add', lora.path, '--name', 'poet', '--description', 'Writes rhyming poems about the sea', '--tags', 'poetry,verse', '--base', model])

    const page = await app.openPage()
    const section = await openSection(page, 'Genome')
    const poet = section.getByTestId('adapter-poet')
    await poet.getByText('Writes rhyming poems about the sea').waitFor()
    await poet.getByText(`base ${model}`).waitFor()
    await poet.getByText('rank 8').waitFor()
    await poet.getByText('verse').waitFor()
    await poet.getByTestId('usage-poet').getByText('never used').waitFor()

    // A CLI command in its own process (--local) adds and removes an adapter: the open page follows (the index's generation, watched).
    await cliJson(app.server, ['--local', 'adapter', 'add', lora.path, '--name', 'sailor', '--description', 'Ties knots'])
    await section.getByTestId('adapter-sailor').getByText('Ties knots').waitFor()
    await cliJson(app.server, ['--local', 'adapter', 'remove', 'sailor'])
    await section.getByTestId('adapter-sailor').waitFor({ state: 'detached' })

    // A .gguf dropped on a browser window: its name fills the form, and the page says to type its path (a browser gives none).
    await page.evaluate(() => {
      const transfer = new DataTransfer()
      transfer.items.add(new File([new Uint8Array(8)], 'sea-poet.gguf'))
      for (const type of ['dragenter', 'dragover', 'drop']) document.body.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }))
    })
    await section.getByTestId('drop-note').getByText(/sea-poet\.gguf was dropped.*type or paste its path/).waitFor()
    expect(await section.getByLabel('Adapter name').inputValue()).toBe('sea-poet')

    // Added from the page, by its path.
    await section.getByLabel('Adapter file path').fill(lora.path)
    await section.getByLabel('Adapter name').fill('coder')
    await section.getByLabel('Adapter description').fill('Answers questions about TypeScript compilers')
    await section.getByLabel('Base model').fill(model)
    await section.getByRole('button', { name: 'Add adapter' }).click()
    await section.getByTestId('adapter-coder').getByText('Answers questions about TypeScript compilers').waitFor()
    expect(await adapterNames()).toEqual(['coder', 'poet'])
    await section.getByTestId('drop-note').waitFor({ state: 'detached' })

    // Without an embedding model, the search says how to set one.
    const tryBox = section.getByTestId('try-prompt')
    const prompt = 'poet\nWrites rhyming poems about the sea\nTags: poetry, verse'
    await tryBox.getByLabel('Prompt to try').fill(prompt)
    await tryBox.getByRole('button', { name: 'Try' }).click()
    await tryBox.getByRole('alert').getByText('No embedding model is set').waitFor()
    await tryBox.getByRole('alert').getByText(/warden config set embeddingModel/).waitFor()

    // With one: poet's own description is most similar to poet (cosine 1), and poet is in the genome.
    await cliJson(app.server, ['config', 'set', 'embeddingModel', model])
    await tryBox.getByRole('button', { name: 'Try' }).click()
    await tryBox.getByTestId('similarity-poet').getByText('1.00').waitFor()
    await tryBox.getByTestId('similarity-coder').waitFor()
    const coderSimilarity = Number(await tryBox.getByTestId('similarity-coder').locator('.similarity').textContent())
    expect(coderSimilarity).toBeLessThan(1)
    await expect.poll(() => tryBox.getByTestId('genome-would-be').textContent()).toMatch(new RegExp(`^Genome: poet${coderSimilarity >= 0.7 ? ' \\+ coder' : ' ·'}`))
    await expect.poll(() => tryBox.getByTestId('similarity-poet').textContent()).toContain('in the genome')
    await screenshot(page, 'genome-light')

    // Remove, after confirming.
    await section.getByRole('button', { name: 'Remove coder' }).click()
    const dialog = page.getByTestId('remove-adapter-dialog')
    await dialog.getByRole('button', { name: 'Delete adapter' }).click()
    await section.getByTestId('adapter-coder').waitFor({ state: 'detached' })
    expect(await adapterNames()).toEqual(['poet'])
    await poet.waitFor()

    // A persona with a fixed genome shows its mode, and each reply (and the header) the genome it used.
    await cliJson(app.server, ['persona', 'edit', persona.name, '--genome', 'fixed', '--adapters', 'poet'])
    const personasPage = await openSection(page, 'Personas')
    await personasPage.getByTestId(`persona-item-${persona.name}`).click()
    const chat = page.getByTestId('chat-panel')
    await expect.poll(() => chat.getByTestId('persona-genome').textContent()).toBe('genome fixed (poet)')
    await chat.getByLabel(`Message to ${persona.name}`).fill('Sing of the sea')
    await page.keyboard.press('Enter')
    // Polled on the panel's whole text, so that a failure shows what the chat said instead (an error, a hint).
    await expect.poll(() => chat.textContent(), { timeout: 90_000 }).toContain('Genome: poet (pinned)')
    await chat.getByTestId('reply-genome').getByText('Genome: poet (pinned)').waitFor()
    await expect.poll(() => chat.getByTestId('persona-genome').textContent()).toBe('genome fixed (poet) · last: poet (pinned)')

    // The Genome page counts the reply as a use of poet.
    await openSection(page, 'Genome')
    await poet.getByTestId('usage-poet').getByText(/^used once, last /).waitFor()
  }, 180_000)
})
