import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, Menu, nativeTheme, Notification, session, Tray, nativeImage } from 'electron'
import { startServer, type RunningServer } from '../server/startServer'
import { WardenHost } from '../services/host/WardenHost'
import { logger, startProcessLog } from '../services/logging/processLog'
import { resolveWardenHome } from '../services/storage/paths'
import { healthDot, trayHealth } from '../services/health/trayState'
import { trayProposals } from '../services/healing/trayProposals'
import { resolveWorkerEntry } from '../services/workers/launcher'
import { UtilityProcessLauncher } from './utilityLauncher'
import { registerIpc } from './ipcAdapter'
import { hardenSession, lockNavigation, secureWebPreferences } from './security'

const here = path.dirname(fileURLToPath(import.meta.url))
const rendererIndex = path.join(here, '../renderer/index.html')
const preload = path.join(here, '../preload/index.cjs')

// One data home for app, CLI and server.
const home = resolveWardenHome()
startProcessLog({ home, kind: 'app' })
const log = logger('app')
app.setPath('userData', home)
app.enableSandbox()

const isOwnUrl = (url: string) => url.startsWith('file://') && decodeURIComponent(new URL(url).pathname) === rendererIndex.replace(/\\/g, '/')

let host: WardenHost | null = null
let tray: Tray | null = null
let server: RunningServer | null = null

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Warden',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15171c' : '#f6f7f9',
    webPreferences: secureWebPreferences(preload),
  })
  lockNavigation(win, isOwnUrl)
  win.once('ready-to-show', () => win.show())
  void win.loadFile(rendererIndex)
  return win
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return
  }
  await app.whenReady()
  hardenSession(session.defaultSession)
  host = new WardenHost({
    home,
    runtime: 'electron',
    versions: { electron: process.versions.electron, chrome: process.versions.chrome },
    // `npm start` builds better-sqlite3 for Electron beside the Node one (scripts/electronNative.mjs).
    sqliteBinding: process.env.WARDEN_SQLITE_BINDING || undefined,
    launcher: new UtilityProcessLauncher(resolveWorkerEntry()),
  })
  // The local API (127.0.0.1, random token, discovery file in WARDEN_HOME): the CLI attaches here.
  server = await startServer(host, { port: 0, rendererDir: null })
  if (process.argv.includes('--demo')) await host.createDemo(path.join(home, `demo-workspace-${Date.now()}`))
  else await host.restoreLastWorkspace()
  registerIpc(host, (_contents, url) => isOwnUrl(url))
  log.info(`Warden ${host.info().version} started (pid ${process.pid}, Electron ${process.versions.electron}); local API on ${server.url}`)
  Menu.setApplicationMenu(null)
  let win = createWindow()
  tray = new Tray(nativeImage.createFromPath(path.join(here, '../../resources/icon.png')))
  const show = (page?: string) => {
    if (win.isDestroyed()) win = createWindow()
    win.show()
    if (page) win.webContents.executeJavaScript(`location.hash = ${JSON.stringify(`#/${page}`)}`).catch((error: unknown) => log.warn(`Could not open the ${page} page`, { err: error }))
  }
  // The tray shows health (a green, yellow or red dot, the active alerts) and the healing proposals
  // waiting for a person; each line opens the page that shows it.
  let health = host.health.alerts()
  const pendingProposals = () => {
    try {
      return host?.healing.proposals({ status: 'pending', limit: 20 }).patches ?? []
    } catch (error) {
      log.warn('Could not read the pending healing proposals for the tray', { err: error })
      return []
    }
  }
  const showTray = () => {
    const t = trayHealth(health.status, health.alerts)
    const p = trayProposals(pendingProposals())
    const dot = healthDot(t.state)
    tray?.setImage(t.state === 'healthy' ? nativeImage.createFromPath(path.join(here, '../../resources/icon.png')) : nativeImage.createFromBitmap(dot.bgra, { width: dot.width, height: dot.height, scaleFactor: 2 }))
    tray?.setToolTip(p.tooltip ? `${t.tooltip} · ${p.tooltip}` : t.tooltip)
    tray?.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Show Warden', click: () => show() },
        ...(t.items.length ? [{ type: 'separator' as const }, ...t.items.map((label) => ({ label, click: () => show('health') }))] : []),
        ...(p.items.length ? [{ type: 'separator' as const }, { label: p.tooltip, enabled: false }, ...p.items.map((label) => ({ label, click: () => show('healing') }))] : []),
        { type: 'separator' },
        { label: 'Quit', click: () => app.quit() },
      ]),
    )
  }
  showTray()
  host.onEvent((e) => {
    if (e.event === 'health.changed') {
      health = { status: e.payload.status, alerts: e.payload.alerts }
      showTray()
    }
    if (e.event === 'healing.changed') showTray()
    // Alerts (a quarantined worker, a degraded or recovered source, a healing proposal that needs a
    // person) as native notifications; a click opens the page the alert names.
    if (e.event === 'alert' && Notification.isSupported()) {
      const n = new Notification({ title: e.payload.title, body: e.payload.message })
      n.on('click', () => show(e.payload.page))
      n.show()
    }
  })
  app.on('second-instance', () => {
    if (win.isDestroyed()) win = createWindow()
    win.show()
    win.focus()
  })
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow()
  })
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
let quitting = false
app.on('before-quit', (event) => {
  if (quitting || !host) return
  // Stop the workers first (grace period, then kill): no orphan processes.
  event.preventDefault()
  quitting = true
  const h = host
  host = null
  void (async () => {
    // Quitting goes on whatever fails here, but the failure is kept.
    await server?.close().catch((error: unknown) => log.error('Could not close the local API server', { err: error }))
    await h.shutdown().catch((error: unknown) => log.error('Could not shut the workers down cleanly', { err: error }))
    tray?.destroy()
    app.quit()
  })()
})

main().catch((error: unknown) => {
  log.error('Warden could not start', { err: error })
  throw error
})
