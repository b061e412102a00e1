/**
 * One command in a child process under the sandbox's limits: a wall-clock timeout, a memory limit
 * (V8's heap through NODE_OPTIONS for every Node process it starts, and on Linux the resident memory
 * of its whole process group, read from /proc), and a cap on the output kept. The command runs in its
 * own process group, and the whole group is killed when a limit is reached, when it is cancelled,
 * and when it ends (a test's stray child process dies with it).
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'

export interface LimitedRun {
  /** True when the command exited 0 within its limits. */
  ok: boolean
  exitCode: number | null
  signal: string | null
  /** The limit that stopped it, if one did. */
  stoppedBy: 'timeout' | 'memory' | 'cancelled' | null
  /** stdout and stderr interleaved, bounded (the beginning and the end are kept). */
  output: string
  durationMs: number
}

export interface LimitedRunOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  timeoutMs: number
  memoryMB: number
  /** Characters of output kept. Defaults to 64 Ki (half from the beginning, half from the end). */
  outputChars?: number
  signal?: AbortSignal
}

/** How often the process group's memory is read. */
const MEMORY_POLL_MS = 200
/** Resident memory a Node process needs beside its heap (code, stacks, buffers) before the limit counts. */
const RUNTIME_HEADROOM_MB = 96

/** Runs `command` with `args` (no shell unless the command is one) under the limits. */
export function runLimited(command: string, args: string[], options: LimitedRunOptions): Promise<LimitedRun> {
  const started = Date.now()
  const output = new BoundedText(options.outputChars ?? 64 * 1024)
  const nodeOptions = [options.env.NODE_OPTIONS ?? '', `--max-old-space-size=${Math.max(16, Math.floor(options.memoryMB))}`].join(' ').trim()
  return new Promise<LimitedRun>((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...options.env, NODE_OPTIONS: nodeOptions },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stoppedBy: LimitedRun['stoppedBy'] = null
    let spawnError: Error | null = null
    const stop = (why: NonNullable<LimitedRun['stoppedBy']>) => {
      if (!stoppedBy) stoppedBy = why
      killGroup(child.pid)
    }
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs)
    const rssLimit = (options.memoryMB + RUNTIME_HEADROOM_MB) * 1024 * 1024
    const poll = process.platform === 'linux' && child.pid ? setInterval(() => {
      if (groupResidentBytes(child.pid!) > rssLimit) stop('memory')
    }, MEMORY_POLL_MS) : null
    const onAbort = () => stop('cancelled')
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (options.signal?.aborted) onAbort()
    child.stdout.setEncoding('utf8').on('data', (s: string) => output.add(s))
    child.stderr.setEncoding('utf8').on('data', (s: string) => output.add(s))
    child.on('error', (error) => {
      spawnError = error
    })
    child.on('close', (code, sig) => {
      clearTimeout(timer)
      if (poll) clearInterval(poll)
      options.signal?.removeEventListener('abort', onAbort)
      killGroup(child.pid)
      let text = output.text()
      if (spawnError) text += `\n[could not start ${command}: ${spawnError.message}]`
      // V8 stops at its heap limit with this message (and SIGABRT): that is the memory limit too.
      if (!stoppedBy && /Reached heap limit|JavaScript heap out of memory/.test(text)) stoppedBy = 'memory'
      resolve({ ok: !stoppedBy && !spawnError && code === 0, exitCode: code, signal: sig, stoppedBy, output: text, durationMs: Date.now() - started })
    })
  })
}

function killGroup(pid: number | undefined): void {
  if (!pid) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

/** Resident bytes of every process in the group `pgid` (Linux /proc; 0 where it cannot be read). */
function groupResidentBytes(pgid: number): number {
  let total = 0
  let entries: string[]
  try {
    entries = fs.readdirSync('/proc')
  } catch {
    return 0
  }
  const page = 4096
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      // Fields after the command name (which may contain spaces) start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) !== pgid) continue
      total += Number(fields[21]) * page
    } catch {
      // The process ended while we read.
    }
  }
  return total
}

/** Text kept up to a limit: the beginning, and the end (where test summaries are), with a note between. */
export class BoundedText {
  private head = ''
  private tail = ''
  private dropped = 0

  constructor(private readonly limit: number) {}

  add(chunk: string): void {
    const half = Math.floor(this.limit / 2)
    if (this.head.length < half) {
      const room = half - this.head.length
      this.head += chunk.slice(0, room)
      chunk = chunk.slice(room)
    }
    if (!chunk) return
    this.tail += chunk
    if (this.tail.length > half) {
      this.dropped += this.tail.length - half
      this.tail = this.tail.slice(this.tail.length - half)
    }
  }

  text(): string {
    return this.dropped ? `${this.head}\n[… ${this.dropped} characters left out …]\n${this.tail}` : this.head + this.tail
  }
}
