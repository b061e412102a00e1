import { createRequire } from 'node:module'
import type { Logger } from 'pino'
import type { LogLevel } from '../../../shared/contract/logs'
import type { RotatingFile } from './RotatingFile'

type Pino = typeof import('pino')
let pinoModule: Pino | null = null

/**
 * pino, loaded when the first line is written: loading it takes ~50 ms, which a CLI command that
 * logs nothing (most of them) should not pay. `createRequire` keeps the load synchronous, so a line
 * is never held back waiting for an import.
 */
function loadPino(): Pino {
  pinoModule ??= createRequire(import.meta.url)('pino') as Pino
  return pinoModule
}

/**
 * A pino logger writing JSON lines synchronously to `file` (no transport, so no worker thread):
 * `{"level":40,"time":…,<bindings>,<fields>,"msg":…,"err":{…}}`. Errors under `err` keep their
 * stack and their causes.
 */
export function fileLogger(file: RotatingFile, /** Fields of every line (`pid`, `source`…). */ bindings: Record<string, unknown>, level: LogLevel): Logger {
  const pino = loadPino()
  return pino(
    { level, base: bindings, serializers: { err: pino.stdSerializers.errWithCause } },
    { write: (line: string) => file.write(line) },
  )
}
