import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import { openSection } from './appPage'
import { useApp } from './fixture'
import { screenshot } from './harness'

// The served demo workspace: a real module (`hello`, with its tests) patched through the page's own
// "Evaluate a patch", run in the real sandbox, approved, applied on disk and rolled back.
const app = useApp()

/** Call an operation over the headless server's HTTP API, as a script would. */
async function call<T>(op: string, input: unknown): Promise<T> {
  const res = await fetch(new URL(`/api/op/${op}`, app.server.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${app.server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  })
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } }
  if (!body.ok) throw new Error(`${op} failed (${res.status}): ${body.error?.message}`)
  return body.value as T
}

/** A one-line change to hello's index.js, as a unified diff: `ok: true` gains a greeting. */
function helloDiff(file: string): { diff: string; before: string; after: string } {
  const before = fs.readFileSync(file, 'utf8')
  const lines = before.replace(/\n$/, '').split('\n')
  const i = lines.findIndex((l) => l.includes('ok: true'))
  const changed = lines[i].replace('ok: true', "ok: true, greeting: 'hi'")
  const diff = `--- a/index.js\n+++ b/index.js\n@@ -${i + 1} +${i + 1} @@\n-${lines[i]}\n+${changed}\n`
  return { diff, before, after: before.replace(lines[i], changed) }
}

describe('the Healing page', () => {
  test('a patch evaluated in the sandbox: queued with its diff and fitness, approved, applied, rolled back; the loop starts and stops; the gates show progress', async () => {
    const page = await app.openPage()
    const section = await openSection(page, 'Healing')
    const queue = section.getByTestId('healing-queue')
    await queue.getByTestId('healing-queue-empty').waitFor()

    // The gates, measured: nothing reviewed yet.
    const gates = section.getByTestId('healing-gates')
    expect(await gates.getByTestId('gate-2').getAttribute('data-met')).toBe('false')
    await gates.getByTestId('gate-2').getByText('(0 / 10 reviewed)').waitFor()
    await section.getByTestId('auto-apply-why').getByText(/Auto-apply needs phase gate 3/).waitFor()
    expect(await section.getByTestId('healing-auto-apply').getByRole('checkbox', { name: 'Settings' }).isDisabled()).toBe(true)

    // The loop: start, its next run; stop.
    const loop = section.getByTestId('healing-loop')
    expect(await loop.getByTestId('healing-loop-state').textContent()).toBe('Stopped')
    await loop.getByRole('button', { name: 'Start' }).click()
    await expect.poll(() => loop.getByTestId('healing-loop-state').textContent()).toBe('Running')
    expect(await loop.getByTestId('healing-next-run').textContent()).toBe('in 5 min')
    await loop.getByRole('button', { name: 'Stop' }).click()
    await expect.poll(() => loop.getByTestId('healing-loop-state').textContent()).toBe('Stopped')
    expect(await loop.getByTestId('healing-next-run').textContent()).toBe('—')
    // Run now: nothing to heal in a quiet demo, but the run is recorded.
    await loop.getByRole('button', { name: 'Run now' }).click()
    await page.getByRole('status').filter({ hasText: 'Healing ran: 0 proposed' }).waitFor()
    await expect.poll(() => loop.getByTestId('healing-last-run').textContent()).toBe('just now')

    // Evaluate a real diff to `hello`: its tests run on a copy, and it is proposed with its fitness.
    const file = path.join(app.server.workspace, 'commands', 'hello', 'index.js')
    const { diff, before, after } = helloDiff(file)
    const form = section.getByTestId('evaluate-form')
    await form.getByLabel('Module to patch').fill('hello')
    await form.getByLabel('Unified diff').fill(diff)
    await form.getByRole('button', { name: 'Evaluate' }).click()

    // The engine's alert: a toast linking here.
    const toast = page.getByRole('alert').filter({ hasText: 'A healing patch needs your review' }).last()
    await toast.waitFor({ timeout: 60_000 })
    await toast.getByRole('link', { name: 'Open Healing' }).waitFor()

    const card = queue.locator('[data-testid^="patch-p-"]').first()
    await card.waitFor()
    expect(await card.getAttribute('data-status')).toBe('proposed')
    await card.getByText('A patch to hello').waitFor()
    // The diff, coloured by line.
    expect(await card.locator('.diff-line[data-kind="del"]').textContent()).toContain('ok: true, input')
    expect(await card.locator('.diff-line[data-kind="add"]').textContent()).toContain("greeting: 'hi'")
    // The fitness bar in its four parts, with the numbers and the recommendation.
    const fitness = card.getByTestId('fitness')
    expect(await fitness.locator('.fitness-seg').count()).toBe(4)
    for (const part of ['phi', 'basin', 'errors', 'quality']) expect(await fitness.getByTestId(`fitness-${part}`).textContent()).toMatch(/\d\.\d\d/)
    expect(await fitness.getByTestId('fitness-score').textContent()).toMatch(/^\d\.\d\d$/)
    await fitness.getByText('apply at ≥ 0.70').waitFor()
    // The sandbox log, collapsed until opened: the module's tests ran.
    const log = card.getByTestId('patch-log')
    await log.getByText('Sandbox log').click()
    await log.locator('pre').getByText(/hello answers|pass/).first().waitFor()
    await screenshot(page, 'healing-proposal')

    // Approve, confirmed: the file on disk changes, the queue empties.
    await card.getByRole('button', { name: 'Approve' }).click()
    await page.getByTestId('approve-dialog').getByRole('button', { name: 'Apply' }).click()
    await queue.getByTestId('healing-queue-empty').waitFor()
    expect(fs.readFileSync(file, 'utf8')).toBe(after)

    // Applied, then rolled back (confirmed): the file is as it was.
    await queue.getByTestId('healing-view-applied').click()
    const applied = queue.locator('[data-testid^="patch-p-"]').first()
    await expect.poll(() => applied.getAttribute('data-status')).toBe('applied')
    await applied.getByRole('button', { name: 'Roll back' }).click()
    await page.getByTestId('rollback-dialog').getByRole('button', { name: 'Roll back' }).click()
    await queue.getByTestId('healing-queue-empty').waitFor()
    expect(fs.readFileSync(file, 'utf8')).toBe(before)
    await queue.getByTestId('healing-view-all').click()
    await expect.poll(() => queue.locator('[data-testid^="patch-p-"]').first().getAttribute('data-status')).toBe('rolled-back')

    // The gates count what was done.
    await gates.getByTestId('gate-2').getByText('(1 / 10 reviewed)').waitFor()
    await gates.getByTestId('gate-3').getByText('(1 rolled back)').waitFor()

    // A patch proposed elsewhere (a script, over the API) shows up without a reload; rejected here with a reason.
    await queue.getByTestId('healing-view-pending').click()
    await queue.getByTestId('healing-queue-empty').waitFor()
    const proposed = await call<{ id: string }>('healing.evaluate', { module: 'hello', diff })
    const fresh = queue.getByTestId(`patch-${proposed.id}`)
    await fresh.waitFor()
    await fresh.getByRole('button', { name: 'Reject' }).click()
    const reject = page.getByTestId('reject-dialog')
    await reject.getByLabel('Reason').fill('not this week')
    await reject.getByRole('button', { name: 'Reject' }).click()
    await queue.getByTestId('healing-queue-empty').waitFor()
    expect(await call('healing.show', { id: proposed.id })).toMatchObject({ status: 'rejected', decidedBy: 'person' })
    expect(fs.readFileSync(file, 'utf8')).toBe(before)

    // The supervisor's decisions, with their reasons: an isolated module's failure reported by the running system.
    await call('module.reportError', { name: 'old-feature', message: 'Cannot read properties of undefined', type: 'TypeError' })
    const decisions = section.getByTestId('healing-decisions')
    await decisions.getByText('Hibernated old-feature').waitFor()
    await decisions.getByText(/old-feature failed: TypeError: Cannot read properties of undefined/).waitFor()
  })
})
