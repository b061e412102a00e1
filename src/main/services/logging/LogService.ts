import type { LogEntry, LogLevel } from '../../../shared/contract/logs'
import { parseSince } from '../../../shared/contract/logs'
import { WardenError } from '../../../shared/errors'
import { followLogs } from './followLogs'
import { processKinds, processLogFile, processLogLimits } from './logFiles'
import { readLogs, type LogFilter } from './readLogs'
import { rotationFiles } from './RotatingFile'
import { WorkerLogs, type WorkerLogsOptions } from './WorkerLogs'

export interface LogQuery {
  /** A model id: its worker's log; else Warden's own logs (app, server, CLI). */
  worker?: string
  /** An ISO time or a duration before now (`10m`). */
  since?: string
  level?: LogLevel
  limit: number
}

/** Warden's logs in `<home>/logs`: reading and following them, and each model's worker output. */
export class LogService {
  readonly workers: WorkerLogs
  private readonly now: () => number

  constructor(
    readonly dir: string,
    options: { workers?: WorkerLogsOptions; now?: () => number } = {},
  ) {
    this.workers = new WorkerLogs(dir, options.workers)
    this.now = options.now ?? Date.now
  }

  async read(query: LogQuery): Promise<LogEntry[]> {
    const filter = this.filter(query)
    if (query.worker) {
      const cached = this.workers.recent(query.worker, filter, query.limit)
      if (cached) return cached
    }
    return readLogs(this.logs(query).map((files) => ({ files })), filter, query.limit)
  }

  /** The last `limit` entries, then new ones as they are written, until `signal` aborts; resolves to the count sent. */
  follow(query: LogQuery, emit: (entries: LogEntry[]) => void, signal: AbortSignal): Promise<number> {
    return followLogs(this.logs(query), this.filter(query), query.limit, emit, signal)
  }

  dispose(): void {
    this.workers.dispose()
  }

  private filter(query: LogQuery): LogFilter {
    let since: number | undefined
    if (query.since !== undefined) {
      const parsed = parseSince(query.since, this.now())
      if (parsed === null) throw new WardenError('INVALID_INPUT', `since ${JSON.stringify(query.since)} is neither an ISO time nor a duration`, { hint: 'For example: --since 10m, --since 2h, --since 2025-01-31T12:00' })
      since = parsed
    }
    return { since, minLevel: query.level }
  }

  /** The logs a query reads, each as its rotation files, newest first. */
  private logs(query: LogQuery): string[][] {
    if (query.worker) return [this.workers.files(query.worker)]
    return processKinds.map((kind) => rotationFiles(processLogFile(this.dir, kind), processLogLimits.keep))
  }
}
