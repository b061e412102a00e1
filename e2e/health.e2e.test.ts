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

type Figures = Omit<SnapshotInput, 'source' | 'timestamp'>

/** `count` snapshots of `source`, taken now (each a moment after the one before). */
async function push(source: string, count: number, snapshot: Figures): Promise<void> {
  for (let i = 0; i < count; i++) await call(app.server, 'health.snapshot', { source, ...snapshot })
}

/** A history: `count` snapshots from `fromAgoMs` to `toAgoMs` ago, Φ swinging between 0.7 and 0.8. */
async function pushHistory(source: string, count: number, fromAgoMs: number, toAgoMs: number, snapshot: Figures): Promise<void> {
  const start = Date.now() - fromAgoMs
  const step = (fromAgoMs - toAgoMs) / (count - 1)
  for (let i = 0; i < count; i++) {
    const phi = 0.75 + 0.05 * Math.sin(i / 3)
    await call(app.server, 'health.snapshot', { source, ...snapshot, phi, timestamp: Math.round(start + i * step) })
  }
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

    // Six hours of history, then healthy snapshots now, sent while the page shows: the grid follows without a reload.
    await pushHistory('ext-sensor', 900, 6 * 3_600_000, 20 * 60_000, healthy)
    await push('ext-sensor', 6, healthy)
    const row = section.getByTestId('health-source-ext-sensor')
    await expect.poll(() => row.getByTestId('health-phi').textContent(), { timeout: 20_000 }).toBe('0.75')
    expect(await row.getAttribute('data-status')).toBe('normal')
    await row.getByText('external system').waitFor()
    await section.getByTestId('health-no-issues').waitFor()

    // Its charts: the Φ line, and the Φ thresholds from the settings as lines.
    const phi = section.getByTestId('health-chart-phi')
    // A flat line has no height, so it counts as hidden: wait for it in the document, and count its points.
    const curve = phi.locator('.recharts-line-curve')
    await curve.waitFor({ state: 'attached' })
    await phi.locator('.recharts-reference-line').first().waitFor({ state: 'attached' })
    expect(await phi.locator('.recharts-reference-line').count()).toBe(2)
    await phi.getByText('Φ min 0.65').first().waitFor()
    await phi.getByText('Φ max 0.85').first().waitFor()
    await section.getByTestId('health-chart-kappa').getByText('κ target 64').first().waitFor()
    await section.getByTestId('health-chart-latencyMs').getByText('latency max 2000 ms').first().waitFor()

    // 15 minutes: the six snapshots of now, one point each.
    const ranges = section.getByRole('group', { name: 'Time range' })
    await ranges.getByRole('button', { name: '15m' }).click()
    expect(await ranges.getByRole('button', { name: '15m' }).getAttribute('aria-pressed')).toBe('true')
    await expect.poll(() => section.getByTestId('health-resolution').textContent()).toBe('6 points · one per snapshot')
    expect((await curve.getAttribute('d'))?.match(/[ML]/g)).toHaveLength(6)
    await screenshot(page, 'health-normal')

    // 6 hours: 906 snapshots drawn from a downsampled query, about one point per pixel, with a min–max band.
    await ranges.getByRole('button', { name: '6h' }).click()
    await expect.poll(() => section.getByTestId('health-resolution').textContent()).toMatch(/min – max/)
    const shown = Number((await section.getByTestId('health-resolution').textContent())!.split(' ')[0])
    expect(shown).toBeGreaterThan(50)
    expect(shown).toBeLessThan(906)
    await phi.locator('.recharts-area-area').waitFor({ state: 'attached' })
    await screenshot(page, 'health-6h')
    // A drag across a third of the Φ chart zooms into it: fewer snapshots than pixels there, so one point each.
    const box = (await phi.locator('.recharts-surface').first().boundingBox())!
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 })
    await page.mouse.move(box.x + box.width * 0.65, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    const zoom = section.getByTestId('health-zoom')
    await zoom.waitFor()
    expect(await ranges.getByRole('button', { name: '6h' }).getAttribute('aria-pressed')).toBe('false')
    await expect.poll(() => section.getByTestId('health-resolution').textContent()).toMatch(/one per snapshot$/)
    await phi.getByText('Φ min 0.65').first().waitFor()
    // A new snapshot refreshes the page, and the zoom stays.
    await push('ext-sensor', 1, { ...healthy, kappa_eff: 62 })
    await expect.poll(() => row.textContent()).toContain('62.0')
    expect(await zoom.isVisible()).toBe(true)
    await zoom.getByRole('button', { name: 'Zoom out to 6h' }).click()
    await zoom.waitFor({ state: 'detached' })
    await expect.poll(() => section.getByTestId('health-resolution').textContent()).toMatch(/min – max/)
    await ranges.getByRole('button', { name: '15m' }).click()
    await expect.poll(() => section.getByTestId('health-resolution').textContent()).toBe('7 points · one per snapshot')

    // The definition of a figure is a click away.
    await section.getByRole('button', { name: 'What is Φ?' }).click()
    await section.getByRole('note', { name: 'Φ' }).getByText(/token probability distributions/).waitFor()
    await screenshot(page, 'health-definition')
    await page.keyboard.press('Escape')
    await section.getByRole('note').waitFor({ state: 'detached' })

    // Φ falls below its lower threshold for several snapshots: the source degrades, its issue
    // shows, and a toast says so with a way to the Health page.
    await push('ext-sensor', 5, { ...healthy, phi: 0.3 })
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).toMatch(/^(warning|critical)$/)
    const issue = section.getByTestId('health-issue-ext-sensor')
    await issue.waitFor()
    expect(await issue.textContent()).toMatch(/Φ low/)
    // One toast per step worse (warning, then critical): the latest links to the Health page.
    const toast = page.getByRole('alert').filter({ hasText: /ext-sensor is (warning|critical)/ }).last()
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
