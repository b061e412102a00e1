import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { _electron as electron } from 'playwright-core'
import { describe, expect, it } from 'vitest'
// @ts-expect-error plain .mjs helper shared with `npm start`
import { findElectronBinary } from '../scripts/electronBinary.mjs'
import { repoRoot } from './harness'

const binary: string | null = findElectronBinary(repoRoot)
const title = binary
  ? 'Electron shell (real Electron runtime)'
  : 'Electron shell — SKIPPED: no Electron binary on this machine (node_modules/electron/dist is empty; set ELECTRON_OVERRIDE_DIST_PATH to run these)'

describe.skipIf(!binary)(title, () => {
  it('opens a sandboxed, isolated window whose page has window.warden and no Node', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-electron-'))
    const app = await electron.launch({ executablePath: binary!, args: [repoRoot], env: { ...process.env, WARDEN_HOME: home } })
    try {
      const page = await app.firstWindow()
      await page.waitForLoadState('domcontentloaded')
      const shape = await page.evaluate(() => ({
        require: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
        ops: Object.keys((window as unknown as { warden: Record<string, unknown> }).warden).sort(),
      }))
      expect(shape.require).toBe('undefined')
      expect(shape.process).toBe('undefined')
      expect(shape.ops).toContain('module.hibernate')
      expect(shape.ops).toContain('onEvent')
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const w = BrowserWindow.getAllWindows()[0]
        const p = (w.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> | null }).getLastWebPreferences()
        return { contextIsolation: p?.contextIsolation, sandbox: p?.sandbox, nodeIntegration: p?.nodeIntegration }
      })
      expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false })
      const info = await page.evaluate(() => (window as unknown as { warden: Record<string, (i: unknown) => Promise<{ ok: boolean; value: { runtime: string } }>> }).warden['app.info']({}))
      expect(info.ok).toBe(true)
      expect(info.value.runtime).toBe('electron')
      const opened = await page.evaluate(() => window.open('https://example.com') === null)
      expect(opened).toBe(true)
    } finally {
      await app.close()
    }
  })
})
