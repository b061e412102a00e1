import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import type { HealthSummary, SnapshotInput } from '../src/shared/contract/domains/health'
import { openSection } from './appPage'
import { useApp } from './fixture'
import { screenshot, type ServerHandle } from './harness'

// The demo workspace's personas have not chatted: the only sources are the ones this file pushes.
const app = useApp()

/** Call an operation over the headless server's HTTP API, as an external system or script would. */
async function call<T>(server: ServerHandle, op: string, input: unknown): Promise<T> {
  const res = await fetch(new URL(`/api/op/${op}`, server.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  })
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } }
  if (!body.ok) throw new Error(`${op} failed (${res.status}): ${body.error?.message}`)
  return body.value as T
}

/** A unit basin vector pointing mostly along axis `axis` (64 dimensions). */
function basin(axis: number, spread = 0.05): number[] {
  const v = Array.from({ length: 64 }, (_, i) => (i === axis ? 1 : spread))
  const norm = Math.hypot(...v)
  return v.map((x) => x / norm)
}

/** `count` snapshots of `source`, a few seconds apart, ending about now. */
async function push(source: string, count: number, snapshot: Omit<SnapshotInput, 'source' | 'timestamp'>): Promise<void> {
  const end = Date.now()
  for (let i = 0; i < count; i++) await call(app.server, 'health.snapshot', { source, ...snapshot, timestamp: end - (count - 1 - i) * 3000 })
}

const healthy = { phi: 0.75, kappa_eff: 63, basin_coords: basin(0), confidence: 0.8, latency_ms: 420, error_rate: 0.01, tokens_per_second: 24, memory_bytes: 1.5e9 }

async function openHealth(): Promise<Page> {
  const page = await app.openPage()
  await openSection(page, 'Health')
  return page
}

describe('the Health page', () => {
  test('an external system’s snapshots: the grid, charts with threshold lines, zoom, a degradation with its toast, and Set baseline', async () => {
    const page = await openHealth()
    const section = page.getByTestId('health-page')
    const empty = section.getByTestId('health-empty')
    await empty.getByText('POST /api/self-healing/snapshot').waitFor()

    // Healthy snapshots arrive while the page shows: the grid follows without a reload.
    await push('ext-sensor', 6, healthy)
    const row = section.getByTestId('health-source-ext-sensor')
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toBe('normal')
    expect(await row.getByTestId('health-phi').textContent()).toBe('0.75')
    await row.getByText('external system').waitFor()
    await section.getByTestId('health-no-issues').waitFor()

    // Its charts: the Φ line, and the Φ thresholds from the settings as lines.
    const phi = section.getByTestId('health-chart-phi')
    // A flat line has no height, so it counts as hidden: wait for it in the document, and count its points.
    const curve = phi.locator('.recharts-line-curve')
    await curve.waitFor({ state: 'attached' })
    expect((await curve.getAttribute('d'))?.match(/[ML]/g)).toHaveLength(6)
    await phi.locator('.recharts-reference-line').first().waitFor({ state: 'attached' })
    expect(await phi.locator('.recharts-reference-line').count()).toBe(2)
    await phi.getByText('Φ min 0.65').first().waitFor()
    await phi.getByText('Φ max 0.85').first().waitFor()
    await section.getByTestId('health-chart-kappa').getByText('κ target 64').first().waitFor()
    await section.getByTestId('health-chart-latencyMs').getByText('latency max 2000 ms').first().waitFor()
    expect(await section.getByTestId('health-resolution').textContent()).toMatch(/^\d+ points · one per snapshot/)

    // The definition of a figure is a click away.
    await section.getByRole('button', { name: 'What is Φ?' }).click()
    await section.getByRole('note', { name: 'Φ' }).getByText(/token probability distributions/).waitFor()
    await page.keyboard.press('Escape')
    await section.getByRole('note').waitFor({ state: 'detached' })

    // A range, then a drag across the Φ chart zooms into part of it; "zoom out" goes back.
    const ranges = section.getByRole('group', { name: 'Time range' })
    await ranges.getByRole('button', { name: '15m' }).click()
    expect(await ranges.getByRole('button', { name: '15m' }).getAttribute('aria-pressed')).toBe('true')
    await curve.waitFor({ state: 'attached' })
    await screenshot(page, 'health-normal')
    const box = (await phi.locator('.recharts-cartesian-grid, .recharts-surface').first().boundingBox())!
    await page.mouse.move(box.x + box.width * 0.92, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.97, box.y + box.height / 2, { steps: 6 })
    await page.mouse.move(box.x + box.width * 0.995, box.y + box.height / 2, { steps: 4 })
    await page.mouse.up()
    const zoom = section.getByTestId('health-zoom')
    await zoom.waitFor()
    await phi.getByText('Φ min 0.65').first().waitFor()
    await zoom.getByRole('button', { name: 'Zoom out to 15m' }).click()
    await zoom.waitFor({ state: 'detached' })

    // Φ falls below its lower threshold for several snapshots: the source degrades, its issue
    // shows, and a toast says so with a way to the Health page.
    await push('ext-sensor', 5, { ...healthy, phi: 0.3 })
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toMatch(/^(warning|critical)$/)
    const issue = section.getByTestId('health-issue-ext-sensor')
    await issue.waitFor()
    expect(await issue.textContent()).toMatch(/Φ low/)
    const toast = page.getByRole('alert').filter({ hasText: /ext-sensor is (warning|critical)/ })
    await toast.waitFor()
    await toast.getByRole('link', { name: 'Open Health' }).waitFor()
    await screenshot(page, 'health-degraded')

    // Set baseline from the last 5 snapshots, confirmed: the page and the API say it is set.
    const before = (await call<HealthSummary>(app.server, 'health.summary', {})).sources.find((s) => s.source === 'ext-sensor')!.baseline
    await section.getByRole('button', { name: 'Set baseline' }).click()
    const dialog = page.getByTestId('baseline-dialog')
    await dialog.getByLabel('Snapshots for the baseline').selectOption('5')
    await dialog.getByRole('button', { name: 'Set baseline' }).click()
    await page.getByRole('status').filter({ hasText: 'ext-sensor’s baseline is set' }).getByText('From 5 snapshots').waitFor()
    await dialog.waitFor({ state: 'detached' })
    const after = (await call<HealthSummary>(app.server, 'health.summary', {})).sources.find((s) => s.source === 'ext-sensor')!.baseline
    expect(after).not.toBeNull()
    expect(after!.setAt).toBeGreaterThan(before?.setAt ?? 0)
    await expect.poll(() => section.getByTestId('health-baseline').textContent()).toMatch(/^baseline set/)
  }, 120_000)
})
