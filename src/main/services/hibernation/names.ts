import * as path from 'node:path'
import { safeChildPath } from '../fs/safePath'

/**
 * `@scope/name` cannot be a file name: `/`, `%` and what Windows forbids (`\ : * ? " < > |`, control
 * characters) are %-escaped so names round-trip; letters of any script stay readable.
 */
export function encodeModuleName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
  return name.replace(/[%/\\:*?"<>|\x00-\x1f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}

export function decodeModuleName(encoded: string): string {
  return encoded.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}

export interface VersionFiles {
  base: string
  archive: string
  metadata: string
  woken: string
}

/** `<dir>/<name>.<epoch-ms>.tgz` plus `.metadata.json` and, once woken, `.woken.json`. */
export function versionFiles(dir: string, name: string, at: number): VersionFiles {
  const base = `${encodeModuleName(name)}.${at}`
  // The name comes from a package.json: checked to stay one file name (the longest of the three).
  safeChildPath(dir, `${base}.metadata.json`, 'module name')
  return {
    base,
    archive: path.join(dir, `${base}.tgz`),
    metadata: path.join(dir, `${base}.metadata.json`),
    woken: path.join(dir, `${base}.woken.json`),
  }
}

const FILE_PATTERN = /^(.+)\.(\d+)\.(tgz|metadata\.json|woken\.json)$/

export function parseVersionFile(file: string): { name: string; at: number; part: 'tgz' | 'metadata.json' | 'woken.json' } | null {
  const m = FILE_PATTERN.exec(file)
  if (!m) return null
  return { name: decodeModuleName(m[1]), at: Number(m[2]), part: m[3] as 'tgz' | 'metadata.json' | 'woken.json' }
}
