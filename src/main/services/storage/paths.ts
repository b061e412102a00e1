import * as os from 'node:os'
import * as path from 'node:path'

/**
 * Warden's data home: `$WARDEN_HOME`, else the OS's per-user app-data folder
 * (`$XDG_DATA_HOME/warden` or `~/.local/share/warden` on Linux, `~/Library/Application Support/warden`
 * on macOS, `%APPDATA%\warden` on Windows). The Electron app uses the same folder as `userData`.
 */
export function resolveWardenHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WARDEN_HOME && env.WARDEN_HOME.trim()) return path.resolve(env.WARDEN_HOME)
  const home = os.homedir()
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'warden')
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'warden')
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'warden')
  }
}

export interface HomePaths {
  home: string
  database: string
  moduleArchive: string
  logs: string
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    database: path.join(home, 'warden.db'),
    moduleArchive: path.join(home, 'module-archive'),
    logs: path.join(home, 'logs'),
  }
}
