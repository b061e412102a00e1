import { statSync } from 'node:fs'
import type { Logger } from 'pino'
import type { LogEntry } from '../../../shared/contract/logs'
import { logger } from './processLog'
import { workerLogFile, workerLogLimits } from './logFiles'
import { fileLogger } from './pinoLogger'
import { matches, type LogFilter } from './readLogs'
import { RotatingFile, rotationFiles, type RotationLimits } from './RotatingFile'

/** One line about a worker: its own output, or what Warden saw of its process. */
export interface WorkerLogLine {
  level: 'info' | 'warn' | 'error'
  msg: string
  /** The worker process. */
  pid?: number
  /** Set for the process's own output. */
  stream?: 'stdout' | 'stderr'
}

/** Where WorkerProcess sends the lines of the model it serves. */
export interface WorkerLogSink {
  write(modelId: string, line: WorkerLogLine): void
}

interface ModelLog {
  file: RotatingFile
  logger: Logger
  /** The last lines this process wrote (newest last). */
  ring: LogEntry[]
  /** Whether the ring dropped lines, or the file held lines before this process wrote any. */
  partial: boolean
}

const log = logger('workers')

export interface WorkerLogsOptions {
  /** Defaults to `workerLogLimits` (1 MB, one rotated file). */
  limits?: RotationLimits
  /** Lines kept in memory per model. Defaults to 200. */
  ringSize?: number
}

/**
 * Each model's worker output (stderr, stdout: llama.cpp's messages) and Warden's notes about its
 * process, in `logs/workers/<model id>.log` (JSON lines, rotated), plus the last lines in memory so
 * the Workers page can show them without reading a file.
 */
export class WorkerLogs implements WorkerLogSink {
  private readonly models = new Map<string, ModelLog>()
  private disposed = false
  private readonly ringSize: number
  private readonly limits: RotationLimits

  constructor(
    private readonly logsDir: string,
    options: WorkerLogsOptions = {},
  ) {
    this.ringSize = options.ringSize ?? 200
    this.limits = options.limits ?? workerLogLimits
  }

  write(modelId: string, line: WorkerLogLine): void {
    const m = this.open(modelId)
    if (!m) return
    const { level, msg, ...fields } = line
    m.logger[level](fields, msg)
    m.ring.push({
      time: Date.now(),
      level,
      source: 'worker',
      model: modelId,
      msg,
      ...(line.pid !== undefined ? { pid: line.pid } : {}),
      ...(line.stream ? { data: { stream: line.stream } } : {}),
    })
    if (m.ring.length > this.ringSize) {
      m.ring.shift()
      m.partial = true
    }
  }

  /**
   * The last `limit` lines of a model matching `filter`, from memory; null when memory does not
   * hold them all (the caller reads the file).
   */
  recent(modelId: string, filter: LogFilter, limit: number): LogEntry[] | null {
    const m = this.models.get(modelId)
    if (!m) return null
    const found = m.ring.filter((e) => matches(e, filter))
    if (found.length >= limit) return found.slice(-limit)
    return m.partial ? null : found
  }

  /** A model's log files, newest first; INVALID_INPUT for an id that cannot be a file name. */
  files(modelId: string): string[] {
    return rotationFiles(workerLogFile(this.logsDir, modelId), this.limits.keep)
  }

  dispose(): void {
    this.disposed = true
    for (const m of this.models.values()) m.file.close()
    this.models.clear()
  }

  private open(modelId: string): ModelLog | null {
    if (this.disposed) return null // a worker's last words after its host closed: nowhere to put them
    const known = this.models.get(modelId)
    if (known) return known
    let path: string
    try {
      path = workerLogFile(this.logsDir, modelId)
    } catch (error) {
      log.warn(`The output of the worker for ${JSON.stringify(modelId)} is not kept: its id cannot be a file name`, { err: error })
      return null
    }
    const file = new RotatingFile(path, this.limits, (error) => log.error(`Cannot write the worker log ${path}`, { err: error }))
    const m: ModelLog = { file, logger: fileLogger(file, { source: 'worker', model: modelId }, 'info'), ring: [], partial: hasLines(rotationFiles(path, this.limits.keep)) }
    this.models.set(modelId, m)
    return m
  }
}

/** Whether a model's log already holds lines (from an earlier run, or another process). */
function hasLines(files: string[]): boolean {
  return files.some((f) => {
    try {
      return statSync(f).size > 0
    } catch {
      return false // not there
    }
  })
}
