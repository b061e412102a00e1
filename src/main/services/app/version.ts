import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Warden's version, from the package.json above this file (in the source tree or the build). */
export function readOwnVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'warden' && pkg.version) return pkg.version
    } catch {
      // keep walking up
    }
    dir = path.dirname(dir)
  }
  return '0.0.0'
}
