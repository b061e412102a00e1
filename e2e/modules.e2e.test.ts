import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { describe, expect, test } from 'vitest'
import { runCli, succeeded } from '../test/cli'
import { activeCard, activeNames, cliJson, hibernatedCard, hibernatedNames, setColorScheme, type HibernatedJson, type ListJson } from './appPage'
import { useApp } from './fixture'
import { sameAs, screenshot } from './harness'

const app = useApp()

/** `warden <args>` on the server's home and workspace; throws when it fails. */
const cli = async (args: string[]) => succeeded(await runCli(args, sameAs(app.server)))

describe('modules page', () => {
  test('shows the demo workspace: active modules grouped by kind, as many as the CLI lists', async () => {
    const page = await app.openPage()
    const list = await cliJson<ListJson>(app.server, ['module', 'list'])
    expect(list.kinds.map((k) => k.kind)).toEqual(['commands', 'daemons', 'widgets'])
    for (const { kind, modules } of list.kinds) {
      const group = page.getByTestId(`kind-group-${kind}`)
      await expect.poll(() => group.locator('[data-testid^="module-card-"]').count()).toBe(modules.length)
      for (const m of modules) await group.getByTestId(`module-card-${m.name}`).waitFor()
    }
    const total = list.kinds.reduce((n, k) => n + k.modules.length, 0)
    expect(await page.getByTestId('active-column').locator('[data-testid^="module-card-"]').count()).toBe(total)
    expect(await page.getByTestId('workspace-path').textContent()).toBe(app.server.workspace)
    await page.getByTestId('hibernated-column').getByText('Nothing is hibernating').waitFor()
    await screenshot(page, 'board-light')
    await setColorScheme(page, 'dark')
    await screenshot(page, 'board-dark')
  })

  test('drag a card to Hibernated asks the reason, hibernates it; dragging it back wakes it', async () => {
    const page = await app.openPage()
    await activeCard(page, 'old-feature').dragTo(page.getByTestId('hibernated-column'))
    const dialog = page.getByTestId('hibernate-dialog')
    await dialog.waitFor()
    const reason = dialog.getByLabel('Reason')
    expect(await reason.inputValue()).toBe('manual')
    await reason.fill('nobody calls it since v2')
    await screenshot(page, 'hibernate-dialog-light')
    await dialog.getByRole('button', { name: 'Hibernate', exact: true }).click()
    await hibernatedCard(page, 'old-feature').waitFor()
    await activeCard(page, 'old-feature').waitFor({ state: 'detached' })
    await hibernatedCard(page, 'old-feature').getByText('nobody calls it since v2').waitFor()
    await page.getByTestId('toast-success').getByText('Hibernated old-feature').waitFor()
    const hibernated = await cliJson<HibernatedJson>(app.server, ['module', 'list-hibernated'])
    expect(hibernated.modules.find((m) => m.name === 'old-feature')?.reason).toBe('nobody calls it since v2')

    await hibernatedCard(page, 'old-feature').dragTo(page.getByTestId('active-column'))
    await activeCard(page, 'old-feature').waitFor()
    await hibernatedCard(page, 'old-feature').waitFor({ state: 'detached' })
    expect(await activeNames(app.server)).toContain('old-feature')
    expect(await hibernatedNames(app.server)).not.toContain('old-feature')
  })

  test('hibernating a module with dependents lists them and changes nothing unless the whole tree is chosen', async () => {
    const page = await app.openPage()
    const before = await activeNames(app.server)
    await page.getByRole('button', { name: 'Hibernate data-daemon' }).click()
    const dialog = page.getByTestId('hibernate-dialog')
    const warning = dialog.getByTestId('dependents-warning')
    await warning.waitFor()
    const listed = await warning.getByTestId('dependent').allTextContents()
    expect(listed).toEqual(expect.arrayContaining(['@demo/cache-daemon', 'chat-history', 'chat-send', 'user-daemon', 'chat-widget', 'user-list']))
    await screenshot(page, 'hibernate-dependents-light')
    await setColorScheme(page, 'dark')
    await screenshot(page, 'hibernate-dependents-dark')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'detached' })
    expect(await activeNames(app.server)).toEqual(before)
    expect(await hibernatedNames(app.server)).not.toContain('data-daemon')

    // Now choose the whole tree: every listed module goes, together.
    await activeCard(page, 'data-daemon').focus()
    await page.keyboard.press('h')
    await dialog.getByLabel('Reason').fill('tree test')
    await dialog.getByRole('button', { name: `Hibernate all ${listed.length + 1}` }).click()
    await hibernatedCard(page, 'data-daemon').waitFor()
    for (const name of listed) await hibernatedCard(page, name).waitFor()
    const sleeping = await hibernatedNames(app.server)
    expect(sleeping).toEqual(expect.arrayContaining(['data-daemon', ...listed]))

    // Waking the root wakes its group.
    await page.getByRole('button', { name: 'Wake data-daemon' }).click()
    for (const name of ['data-daemon', ...listed]) await activeCard(page, name).waitFor()
    expect(await activeNames(app.server)).toEqual(expect.arrayContaining(before))
  })

  test('a hibernation made by the CLI shows up without reloading', async () => {
    const page = await app.openPage()
    await activeCard(page, 'hello').waitFor()
    await cli(['module', 'hibernate', '--name', 'hello', '--reason', 'from the terminal'])
    await hibernatedCard(page, 'hello').waitFor({ timeout: 5000 })
    await hibernatedCard(page, 'hello').getByText('from the terminal').waitFor()
    await cli(['module', 'wake', '--name', 'hello'])
    await activeCard(page, 'hello').waitFor({ timeout: 5000 })
  })

  test('a .tgz dropped on the window wakes it; other files are refused with a clear message', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-pack-'))
    const packed = await cliJson<{ path: string }>(app.server, ['module', 'pack', '--name', 'experimental-ui', '--out-dir', outDir])
    await cli(['module', 'hibernate', '--name', 'experimental-ui', '--reason', 'to be dropped back'])
    const page = await app.openPage()
    await hibernatedCard(page, 'experimental-ui').waitFor()

    const dropFile = async (fileName: string, bytes: Buffer) => {
      await page.evaluate(
        ({ fileName, base64 }) => {
          const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
          const transfer = new DataTransfer()
          transfer.items.add(new File([data], fileName, { type: 'application/gzip' }))
          document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: transfer, bubbles: true, cancelable: true }))
          document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }))
        },
        { fileName, base64: bytes.toString('base64') },
      )
      await page.getByTestId('file-drop-overlay').waitFor()
      await screenshot(page, 'file-drop-overlay-light')
      await page.evaluate(
        ({ fileName, base64 }) => {
          const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
          const transfer = new DataTransfer()
          transfer.items.add(new File([data], fileName, { type: 'application/gzip' }))
          document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }))
        },
        { fileName, base64: bytes.toString('base64') },
      )
      await page.getByTestId('file-drop-overlay').waitFor({ state: 'detached' })
    }

    await dropFile('notes.txt', Buffer.from('not an archive'))
    await page.getByTestId('toast-error').getByText('notes.txt is not a module archive').waitFor()
    await page.getByTestId('toast-error').getByText('.tgz').first().waitFor()

    await page.getByTestId('toast-error').getByRole('button', { name: 'Dismiss' }).click()
    await page.getByTestId('toast-error').waitFor({ state: 'detached' })

    await dropFile(path.basename(packed.path), fs.readFileSync(packed.path))
    // Fail with what the page said, rather than a timeout, if the host refuses the file.
    const refused = page.getByTestId('toast-error')
    await Promise.race([
      activeCard(page, 'experimental-ui').waitFor(),
      refused.waitFor().then(async () => {
        throw new Error(`the dropped archive was refused: ${await refused.textContent()}`)
      }),
    ])
    await hibernatedCard(page, 'experimental-ui').waitFor({ state: 'detached' })
    await page.getByTestId('toast-success').getByText('Woke experimental-ui').waitFor()
    expect(await activeNames(app.server)).toContain('experimental-ui')
    fs.rmSync(outDir, { recursive: true, force: true })
  })

  test('buttons and the keyboard hibernate and wake without dragging', async () => {
    const page = await app.openPage()
    // Buttons
    await page.getByRole('button', { name: 'Hibernate metrics-chart' }).click()
    await page.getByTestId('hibernate-dialog').getByRole('button', { name: 'Hibernate', exact: true }).click()
    await hibernatedCard(page, 'metrics-chart').waitFor()
    expect(await hibernatedNames(app.server)).toContain('metrics-chart')
    await page.getByRole('button', { name: 'Wake metrics-chart' }).click()
    await activeCard(page, 'metrics-chart').waitFor()
    expect(await activeNames(app.server)).toContain('metrics-chart')

    // Keyboard: h on a focused card, Enter to confirm; w on the hibernated card.
    await activeCard(page, 'clock-widget').focus()
    await page.keyboard.press('h')
    await page.getByTestId('hibernate-dialog').getByLabel('Reason').waitFor()
    await page.keyboard.press('Enter')
    await hibernatedCard(page, 'clock-widget').waitFor()
    await hibernatedCard(page, 'clock-widget').focus()
    await page.keyboard.press('w')
    await activeCard(page, 'clock-widget').waitFor()
    expect(await activeNames(app.server)).toContain('clock-widget')
  })

  test('the detail panel shows metadata, dependencies, versions and a diff', async () => {
    // Give schedule-job a history: hibernated once, woken, then edited in place.
    await cli(['module', 'hibernate', '--name', 'schedule-job', '--reason', 'first nap'])
    await cli(['module', 'wake', '--name', 'schedule-job'])
    fs.appendFileSync(path.join(app.server.workspace, 'commands', 'schedule-job', 'index.js'), '\n// a line added after waking\n')

    const page = await app.openPage()
    await activeCard(page, 'schedule-job').click()
    const panel = page.getByTestId('detail-panel')
    await panel.waitFor()
    expect(await panel.getByTestId('detail-status').textContent()).toBe('Active')
    await panel.getByTestId('module-facts').getByText('commands/schedule-job').waitFor()
    await panel.getByTestId('dependencies').getByRole('button', { name: 'scheduler-daemon' }).waitFor()
    await expect.poll(() => panel.getByTestId('versions-list').locator('li').count()).toBe(1)
    await panel.getByTestId('versions-list').getByText('first nap').waitFor()

    const diff = panel.getByTestId('diff-view')
    await diff.getByTestId('diff-summary').getByText('1 changed').waitFor()
    const added = diff.locator('.patch-line.add', { hasText: 'a line added after waking' })
    await added.waitFor()
    await added.scrollIntoViewIfNeeded()
    await screenshot(page, 'detail-diff-light')
    await setColorScheme(page, 'dark')
    await screenshot(page, 'detail-diff-dark')
    await setColorScheme(page, 'light')

    // Dependencies are links to their own details.
    await panel.getByTestId('dependencies').getByRole('button', { name: 'scheduler-daemon' }).click()
    await panel.getByRole('heading', { name: 'scheduler-daemon' }).waitFor()
    await page.keyboard.press('Escape')
    await panel.waitFor({ state: 'detached' })

    // A hibernated module's versions can each be woken; two versions compare with each other.
    await cli(['module', 'hibernate', '--name', 'schedule-job', '--reason', 'second nap'])
    await hibernatedCard(page, 'schedule-job').click()
    await panel.getByTestId('detail-status').getByText('Hibernated').waitFor()
    await expect.poll(() => panel.getByTestId('versions-list').locator('li').count()).toBe(2)
    await panel.getByTestId('module-facts').getByText('second nap').waitFor()
    await panel.getByTestId('module-facts').getByText('restorable').waitFor()
    expect(await panel.getByRole('button', { name: 'Wake this version' }).count()).toBe(2)
    await diff.locator('.patch-line.add', { hasText: 'a line added after waking' }).waitFor()
    await screenshot(page, 'detail-hibernated-light')
    await panel.getByRole('button', { name: 'Wake this version' }).last().click()
    await activeCard(page, 'schedule-job').waitFor()
    const source = fs.readFileSync(path.join(app.server.workspace, 'commands', 'schedule-job', 'index.js'), 'utf8')
    expect(source).not.toContain('a line added after waking')
  })
})

describe('the archive', () => {
  test('old hibernations move to the Archived tab and wake from there', async () => {
    await cli(['module', 'hibernate', '--name', 'user-badge', '--reason', 'for the archive'])
    const page = await app.openPage()
    await hibernatedCard(page, 'user-badge').waitFor()
    await page.getByRole('button', { name: 'Archive old…' }).click()
    const dialog = page.getByTestId('archive-dialog')
    await dialog.getByLabel('Older than (days)').fill('0')
    await dialog.getByRole('button', { name: 'Archive', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })
    await hibernatedCard(page, 'user-badge').waitFor({ state: 'detached' })
    await page.getByTestId('toast-success').getByText(/Archived \d+ hibernation/).waitFor()

    await page.getByRole('tab', { name: /Archived/ }).click()
    const row = page.getByTestId('archived-row-user-badge')
    await row.getByText('for the archive').waitFor()
    await screenshot(page, 'archived-light')
    const archived = await cliJson<HibernatedJson>(app.server, ['module', 'list-archived'])
    expect(archived.modules.map((m) => m.name)).toContain('user-badge')

    await row.getByRole('button', { name: 'Wake user-badge from archive' }).click()
    await row.waitFor({ state: 'detached' })
    expect(await activeNames(app.server)).toContain('user-badge')
    await page.getByRole('tab', { name: /Active/ }).click()
    await activeCard(page, 'user-badge').waitFor()

    await page.getByRole('button', { name: 'Verify' }).click()
    await page.getByTestId('toast-success').getByText('Everything verifies').waitFor()
  })

  test('Verify reports what an interrupted operation left, and Repair cleans it up', async () => {
    const page = await app.openPage()
    // What a process killed mid-hibernation leaves: a temp file named with its (dead) pid.
    const tmp = path.join(app.server.workspace, '.warden', 'tmp')
    fs.mkdirSync(tmp, { recursive: true })
    const leftover = path.join(tmp, '.warden-tmp-old-feature.tgz.2147483646.deadbeef')
    fs.writeFileSync(leftover, 'partial archive')
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.getByText('1 problem found').waitFor()
    await page.getByRole('button', { name: 'Repair' }).click()
    await page.getByTestId('toast-success').getByText('Workspace repaired').waitFor()
    expect(fs.existsSync(leftover)).toBe(false)
    await page.getByRole('button', { name: 'Repair' }).waitFor({ state: 'detached' })
  })
})
