import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import type { ModelInfo } from '../src/shared/contract/inference'
import { writeTinyAdapter } from '../test/adapters'
import { cliJson, openSection } from './appPage'
import { useApp } from './fixture'
import { screenshot } from './harness'

// --demo gives tiny local models; the tiny models embed too (random but deterministic vectors).
const app = useApp()
const adapterNames = async () => (await cliJson<{ adapters: Array<{ name: string }> }>(app.server, ['adapter', 'list'])).adapters.map((a) => a.name)

describe('the Genome page', () => {
  test('lists adapters, adds one by path, tries a prompt (similarities and the genome), removes one', async () => {
    const model = (await cliJson<{ models: ModelInfo[] }>(app.server, ['model', 'list'])).models.find((m) => m.installed)!.id
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

    // Added from the page, by its path.
    await section.getByLabel('Adapter file path').fill(lora.path)
    await section.getByLabel('Adapter name').fill('coder')
    await section.getByLabel('Adapter description').fill('Answers questions about TypeScript compilers')
    await section.getByLabel('Base model').fill(model)
    await section.getByRole('button', { name: 'Add adapter' }).click()
    await section.getByTestId('adapter-coder').getByText('Answers questions about TypeScript compilers').waitFor()
    expect(await adapterNames()).toEqual(['coder', 'poet'])

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
  }, 120_000)
})
