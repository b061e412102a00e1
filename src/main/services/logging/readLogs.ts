import { logLevels, type LogEntry, type LogLevel } from '../../../shared/contract/logs'
import { parseLogLine } from './logEntry'
import { openLogForReading } from './openLog'

/** Which entries to show. */
export interface LogFilter {
  /** Epoch ms: entries written at or after it. */
  since?: number
  /** The least severe level shown. */
  minLevel?: LogLevel
}

export function matches(entry: LogEntry, filter: LogFilter): boolean {
  if (filter.since !== undefined && entry.time < filter.since) return false
  if (filter.minLevel && logLevels.indexOf(entry.level) < logLevels.indexOf(filter.minLevel)) return false
  return true
}

const CHUNK = 64 * 1024
/**
 * Several processes append to one log, so its lines are in time order only roughly: reading
 * backwards stops at the first entry this much older than `since`, not at the first one older.
 */
const SKEW_MS = 5_000

/**
 * The lines of one log, newest first: its files newest first (`name`, `name.1`…), each read from
 * its end in 64 KB chunks, so the last lines of a large log cost only what they take. The first
 * file is read up to `firstEnd` bytes when given (where a follow starts).
 */
export async function* linesNewestFirst(files: string[], firstEnd?: number): AsyncGenerator<string> {
  for (const [index, file] of files.entries()) {
    const handle = await openLogForReading(file)
    if (!handle) continue // not written yet, rotated away, or not a file
    try {
      let pos = index === 0 && firstEnd !== undefined ? firstEnd : (await handle.stat()).size
      let carry = Buffer.alloc(0)
      while (pos > 0) {
        const size = Math.min(CHUNK, pos)
        pos -= size
        const chunk = Buffer.alloc(size)
        await handle.read(chunk, 0, size, pos)
        const data = carry.length ? Buffer.concat([chunk, carry]) : chunk
        let end = data.length
        for (let i = data.length - 1; i >= 0; i--) {
          if (data[i] !== 0x0a) continue
          if (end > i + 1) yield data.toString('utf8', i + 1, end)
          end = i
        }
        carry = data.subarray(0, end)
      }
      if (carry.length) yield carry.toString('utf8')
    } finally {
      await handle.close()
    }
  }
}

/**
 * The last `limit` entries matching `filter` across several logs (each a list of rotation files,
 * newest first), oldest first.
 */
export async function readLogs(logs: Array<{ files: string[]; firstEnd?: number }>, filter: LogFilter, limit: number): Promise<LogEntry[]> {
  const found: LogEntry[] = []
  for (const log of logs) {
    const newestFirst: LogEntry[] = []
    for await (const line of linesNewestFirst(log.files, log.firstEnd)) {
      const entry = parseLogLine(line)
      if (!entry) continue
      if (filter.since !== undefined && entry.time < filter.since - SKEW_MS) break
      if (!matches(entry, filter)) continue
      if (newestFirst.push(entry) >= limit) break
    }
    found.push(...newestFirst.reverse())
  }
  // A stable sort: entries of one millisecond stay in the order they were written.
  return found.sort((a, b) => a.time - b.time).slice(-limit)
}
