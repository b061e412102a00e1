import * as fs from 'node:fs'
import type { LogEntry } from '../../../shared/contract/logs'
import { parseLogLine } from './logEntry'
import { matches, readLogs, type LogFilter } from './readLogs'
import { openLogForReading } from './openLog'

/** How often a followed log is looked at. */
const POLL_MS = 250

interface Position {
  /** Rotation files of the log, newest first. */
  files: string[]
  ino: number | null
  offset: number
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file)
  } catch {
    return null // not written yet, or being rotated
  }
}

/** Complete lines from `offset` to the end of `file`; a line still being written waits for the next look. */
async function readFrom(file: string, offset: number, end: number): Promise<{ lines: string[]; next: number }> {
  if (end <= offset) return { lines: [], next: offset }
  const handle = await openLogForReading(file)
  if (!handle) return { lines: [], next: offset }
  try {
    const data = Buffer.alloc(end - offset)
    const { bytesRead } = await handle.read(data, 0, data.length, offset)
    const text = data.subarray(0, bytesRead)
    const last = text.lastIndexOf(0x0a)
    if (last < 0) return { lines: [], next: offset }
    return { lines: text.toString('utf8', 0, last).split('\n').filter(Boolean), next: offset + last + 1 }
  } finally {
    await handle.close()
  }
}

/** New lines of one log since the last look, following it through a rotation. */
async function newLines(p: Position): Promise<string[]> {
  const current = statOrNull(p.files[0])
  if (!current) return []
  const lines: string[] = []
  if (p.ino !== null && current.ino !== p.ino) {
    // Rotated: finish the file we were reading (now `name.1`, or further if it rotated again).
    const old = p.files.slice(1).find((f) => statOrNull(f)?.ino === p.ino)
    if (old) lines.push(...(await readFrom(old, p.offset, statOrNull(old)?.size ?? 0)).lines)
    p.offset = 0
  }
  p.ino = current.ino
  if (current.size < p.offset) p.offset = 0 // truncated by hand
  const read = await readFrom(p.files[0], p.offset, current.size)
  p.offset = read.next
  lines.push(...read.lines)
  return lines
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}

/**
 * `logs --follow`: the last `limit` entries, then each new one as it is written, until `signal`
 * aborts; `emit` gets them in batches, oldest first. Resolves to the number of entries sent.
 * Files are polled (every 250 ms) rather than watched: that works the same on every platform,
 * through rotations and for lines written by other processes.
 */
export async function followLogs(logs: string[][], filter: LogFilter, limit: number, emit: (entries: LogEntry[]) => void, signal: AbortSignal): Promise<number> {
  // Where each log ends now: the backlog is read up to there and following starts there, so no
  // line is shown twice or missed.
  const positions: Position[] = logs.map((files) => {
    const st = statOrNull(files[0])
    return { files, ino: st?.ino ?? null, offset: st?.size ?? 0 }
  })
  const backlog = await readLogs(
    positions.map((p) => ({ files: p.files, firstEnd: p.ino === null ? 0 : p.offset })),
    filter,
    limit,
  )
  let sent = 0
  if (backlog.length) {
    emit(backlog)
    sent += backlog.length
  }
  while (!signal.aborted) {
    await sleep(POLL_MS, signal)
    if (signal.aborted) break
    const fresh: LogEntry[] = []
    for (const p of positions) {
      for (const line of await newLines(p)) {
        const entry = parseLogLine(line)
        if (entry && matches(entry, filter)) fresh.push(entry)
      }
    }
    if (!fresh.length) continue
    fresh.sort((a, b) => a.time - b.time)
    emit(fresh)
    sent += fresh.length
  }
  return sent
}
