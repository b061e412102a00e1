// better-sqlite3 in node_modules is built for Node (the CLI, the server and the tests use it). The
// Electron app needs one built for Electron's ABI: this builds a separate copy once, with
// @electron/rebuild (it fetches Electron's headers, so it needs the network the first time), and
// returns the path of its .node file for WARDEN_SQLITE_BINDING. Packaged apps do not need this:
// electron-builder rebuilds native modules when it packs.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export async function ensureElectronSqlite(root) {
  const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version
  const app = join(root, 'node_modules', '.cache', 'warden-electron-native')
  const module = join(app, 'node_modules', 'better-sqlite3')
  const binding = join(module, 'build', 'Release', 'better_sqlite3.node')
  const stamp = join(app, 'electron-version')
  if (existsSync(binding) && existsSync(stamp) && readFileSync(stamp, 'utf8') === electronVersion) return binding
  rmSync(app, { recursive: true, force: true })
  mkdirSync(join(app, 'node_modules'), { recursive: true })
  cpSync(join(root, 'node_modules', 'better-sqlite3'), module, { recursive: true })
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'warden-electron-native', version: '1.0.0', dependencies: { 'better-sqlite3': '*' } }))
  process.stdout.write(`Building the database module for Electron ${electronVersion} (once)…\n`)
  const { rebuild } = await import('@electron/rebuild')
  await rebuild({ buildPath: app, electronVersion, onlyModules: ['better-sqlite3'], force: true })
  if (!existsSync(binding)) throw new Error(`the rebuild did not produce ${binding}`)
  writeFileSync(stamp, electronVersion)
  return binding
}
