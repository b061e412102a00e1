import { describe, expect, test } from 'vitest'
import type { Persona } from '../src/shared/contract/inference'
import { cliJson, openSection } from './appPage'
import { useApp } from './fixture'
import { screenshot } from './harness'

// --demo gives tiny local models and two personas (Ada and Brook).
const app = useApp()
const personas = async () => (await cliJson<{ personas: Persona[] }>(app.server, ['persona', 'list'])).personas

describe('persona checkpoints in the chat', () => {
  test('Checkpoint freezes the persona; the timeline lists it; Resume brings the conversation back to that moment', async () => {
    const page = await app.openPage()
    const section = await openSection(page, 'Personas')
    const name = (await personas())[0].name
    await section.getByTestId(`persona-item-${name}`).click()
    const chat = page.getByTestId('chat-panel')
    await chat.getByRole('heading', { name }).waitFor()
    const say = async (text: string, replies: number) => {
      await chat.getByLabel(`Message to ${name}`).fill(text)
      await page.keyboard.press('Enter')
      await expect.poll(() => chat.getByTestId('chat-footer').count(), { timeout: 60_000 }).toBe(replies)
      await chat.getByTestId('chat-stop').waitFor({ state: 'detached' })
    }
    await say('First question?', 1)

    const checkpoints = chat.getByTestId('checkpoints')
    await checkpoints.getByRole('button', { name: 'Checkpoint', exact: true }).click()
    await page.getByTestId('toast-success').getByText(`Checkpoint of ${name} saved`).waitFor()
    const timeline = checkpoints.getByRole('list', { name: `Checkpoints of ${name}` })
    await timeline.getByText(/2 messages · \d+ tokens/).waitFor()
    await screenshot(page, 'persona-checkpoints-light')

    await say('Second question?', 2)
    await expect.poll(async () => (await personas()).find((p) => p.name === name)?.messages).toBe(4)

    await timeline.getByRole('button', { name: /^Resume / }).click()
    await page.getByTestId('toast-success').getByText(`${name} resumed`).waitFor()
    await expect.poll(() => chat.getByTestId('chat-user').count()).toBe(1)
    await chat.getByTestId('chat-user').getByText('First question?').waitFor()
    expect((await personas()).find((p) => p.name === name)?.messages).toBe(2)

    await timeline.getByRole('button', { name: /^Remove checkpoint / }).click()
    await timeline.getByText(/No checkpoints yet/).waitFor()
  })
})
