import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

/** The same CSP as the Electron window, plus the WebSocket back to this server. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

/** Where the built renderer is: beside the bundled main (`out/renderer`), or `out/renderer` from source. */
export function findRendererDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url))
  for (const candidate of [path.resolve(here, '../renderer'), path.resolve(here, '../../../out/renderer'), path.resolve(here, '../../out/renderer')]) {
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate
  }
  return null
}

/** Resolve a URL path to a file inside `root`, or null (never outside it). */
export function resolveStatic(root: string, urlPath: string): { file: string; type: string } | null {
  let rel: string
  try {
    rel = decodeURIComponent(urlPath.split('?')[0])
  } catch {
    return null
  }
  const file = path.resolve(root, '.' + path.posix.normalize('/' + rel))
  if (file !== root && !file.startsWith(root + path.sep)) return null
  let target = file
  if (!fs.existsSync(target) || fs.statSync(target).isDirectory()) target = path.join(root, 'index.html')
  return { file: target, type: TYPES[path.extname(target)] ?? 'application/octet-stream' }
}
