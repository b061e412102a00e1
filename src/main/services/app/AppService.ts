import * as fs from 'node:fs'
import * as path from 'node:path'
import type { OperationOutput } from '../../../shared/contract/operations'
import { processAlive } from '../locking/processAlive'
import { readOwnVersion } from './version'

/** The process that hosts Warden's services. */
export type Runtime = 'electron' | 'server' | 'cli'

export interface AppServiceOptions {
  home: string
  runtime: Runtime
  /** Extra versions for the about box (electron, chrome…). Defaults to none. */
  versions?: Record<string, string>
}

/** What this Warden is (version, runtime, home) and what runs beside it for the same home. */
export class AppService {
  readonly version = readOwnVersion()

  constructor(private readonly options: AppServiceOptions) {}

  info(): OperationOutput<'app.info'> {
    return {
      version: this.version,
      runtime: this.options.runtime,
      versions: { warden: this.version, node: process.versions.node, v8: process.versions.v8, ...this.options.versions },
      home: this.options.home,
      platform: `${process.platform}-${process.arch}`,
    }
  }

  /** The OpenAI-compatible API of the Warden server running for this home (its discovery file), or null. */
  openAiEndpoint(): string | null {
    try {
      const found = JSON.parse(fs.readFileSync(path.join(this.options.home, 'server.json'), 'utf8')) as { url?: unknown; pid?: unknown }
      return typeof found.url === 'string' && typeof found.pid === 'number' && processAlive(found.pid) ? `${found.url}v1` : null
    } catch {
      return null
    }
  }
}
