import type { Logger } from 'pino'
import { LogLevel, logLevels } from '../../../shared/contract/logs'
import { homePaths } from '../storage/paths'
import { ensurePrivateHome } from '../storage/privateHome'
import { processLogFile, processLogLimits, type ProcessKind } from './logFiles'
import { fileLogger } from './pinoLogger'
import { RotatingFile } from './RotatingFile'

/** Extra fields of a line; `err` is an error whose message, stack and causes are kept. */
export type LogFields = { err?: unknown } & Record<string, unknown>

export interface Log {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
}

interface Target {
  home: string
  kind: ProcessKind
  level: LogLevel
  file: RotatingFile
  /** Created with the first line written. */
  logger: Logger | null
}

/**
 * This process's log: one per process, like its stderr, so any part of Warden can log a failure
 * without a logger handed down to it. Nothing is written until the process's entry (the app,
 * `warden serve`, a CLI command) says where; in tests that never do, logging costs nothing.
 */
let target: Target | null = null

/** `WARDEN_LOG_LEVEL=debug` shows more; defaults to `info`. */
function levelFromEnv(): LogLevel {
  const parsed = LogLevel.safeParse(process.env.WARDEN_LOG_LEVEL?.trim().toLowerCase())
  return parsed.success ? parsed.data : 'info'
}

function reportFailure(file: string): (error: unknown) => void {
  return (error) => process.stderr.write(`⚠️  Warden cannot write its log ${file}: ${(error as Error)?.message ?? String(error)}\n`)
}

/** Where this process logs: `<home>/logs/<kind>.log`. Called by the process's entry; again with another home, it moves. */
export function startProcessLog(options: { home: string; kind: ProcessKind; level?: LogLevel }): void {
  if (target && target.home === options.home && target.kind === options.kind) return
  stopProcessLog()
  const file = processLogFile(homePaths(options.home).logs, options.kind)
  target = { home: options.home, kind: options.kind, level: options.level ?? levelFromEnv(), file: new RotatingFile(file, processLogLimits, reportFailure(file)), logger: null }
}

export function stopProcessLog(): void {
  target?.file.close()
  target = null
}

/** The kind of process this is, once its log is started. */
export function processKind(): ProcessKind | null {
  return target?.kind ?? null
}

const rank = (level: LogLevel) => logLevels.indexOf(level)

/** The log of one part of Warden (`host`, `scheduler`, `installer`…); cheap to create at import time. */
export function logger(component: string): Log {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (msg: string, fields?: LogFields): void => {
      const t = target
      // Lines below the level never load pino.
      if (!t || rank(level) < rank(t.level)) return
      try {
        if (!t.logger) {
          ensurePrivateHome(t.home)
          t.logger = fileLogger(t.file, { pid: process.pid, source: t.kind }, t.level)
        }
        t.logger[level]({ component, ...fields }, msg)
      } catch (error) {
        // Logging never breaks what it reports on (a home that is a file, a field that cannot be serialized).
        reportFailure(t.file.file)(error)
      }
    }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
