import * as path from 'node:path'
import { safeChildPath } from '../fs/safePath'
import type { RotationLimits } from './RotatingFile'

/** The kinds of Warden process; each writes its own log, `logs/<kind>.log`. */
export const processKinds = ['app', 'server', 'cli'] as const
export type ProcessKind = (typeof processKinds)[number]

const MiB = 1024 * 1024

/** Warden's own logs: at most 4 files of ~5 MB per kind of process (20 MB each, 60 MB in all). */
export const processLogLimits: RotationLimits = { maxBytes: 5 * MiB, keep: 3 }

/** A model's worker output: at most 2 files of ~1 MB per model. */
export const workerLogLimits: RotationLimits = { maxBytes: 1 * MiB, keep: 1 }

export function processLogFile(logsDir: string, kind: ProcessKind): string {
  return path.join(logsDir, `${kind}.log`)
}

export function workerLogsDir(logsDir: string): string {
  return path.join(logsDir, 'workers')
}

/** `logs/workers/<model id>.log`; a model id that is not one plain file name is refused (INVALID_INPUT). */
export function workerLogFile(logsDir: string, modelId: string): string {
  return safeChildPath(workerLogsDir(logsDir), `${modelId}.log`, 'model id')
}
