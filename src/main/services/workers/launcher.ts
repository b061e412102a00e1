import { fork, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { logger } from '../logging/processLog'
import type { ToWorker, WorkerReply } from './protocol'

const log = logger('workers')

/** A started worker process, whoever started it. */
export interface WorkerChild {
  readonly pid: number | undefined
  send(message: ToWorker): void
  onMessage(listener: (message: WorkerReply) => void): void
  /** Called once, when the process has exited. */
  onExit(listener: (code: number | null, signal: string | null) => void): void
  kill(signal?: NodeJS.Signals): void
  /** The last lines the process wrote to stderr (for crash reports). */
  outputTail(): string
  /** What the process writes to stdout and stderr (llama.cpp's messages), in chunks as they come. */
  onOutput(listener: (stream: 'stdout' | 'stderr', text: string) => void): void
}

/**
 * A worker's stdout and stderr: read at once (a pipe nobody reads would block the worker), the
 * last stderr lines kept for crash reports, every chunk passed to the listeners.
 */
export class WorkerOutput {
  private readonly tail: string[] = []
  private readonly listeners: Array<(stream: 'stdout' | 'stderr', text: string) => void> = []

  constructor(streams: { stdout?: NodeJS.ReadableStream | null; stderr?: NodeJS.ReadableStream | null }) {
    streams.stdout?.setEncoding('utf8').on('data', (s: string) => this.emit('stdout', s))
    streams.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.tail.push(s)
      if (this.tail.length > 20) this.tail.shift()
      this.emit('stderr', s)
    })
  }

  private emit(stream: 'stdout' | 'stderr', text: string): void {
    for (const l of this.listeners) l(stream, text)
  }

  onOutput(listener: (stream: 'stdout' | 'stderr', text: string) => void): void {
    this.listeners.push(listener)
  }

  outputTail(): string {
    return this.tail.join('').slice(-2000)
  }
}

export interface LaunchOptions {
  /** Shown in process lists and logs, e.g. the model id. */
  name: string
  /** JavaScript heap limit of the worker (the seed's maxRAMPerWorker). */
  maxOldSpaceMb: number
}

/** Starts worker processes: `child_process.fork` headless and in tests, `utilityProcess` in the app. */
export interface WorkerLauncher {
  readonly kind: 'fork' | 'utilityProcess'
  launch(options: LaunchOptions): WorkerChild
}

/**
 * A worker's command-line arguments: its name, and blank room that `process.title` (which on Linux
 * overwrites the argv memory and cannot grow past it) uses to show the model it serves in `ps`.
 */
export function workerArgs(name: string): string[] {
  return ['--warden-worker', name, ' '.repeat(96)]
}

export interface WorkerEntry {
  file: string
  /** Node flags the entry needs (the TypeScript loader when running from source). */
  execArgv: string[]
}

/**
 * The worker entry: `worker.js` beside the built bundle, or the TypeScript source (through tsx)
 * when Warden itself runs from source (tests, benchmarks).
 */
export function resolveWorkerEntry(): WorkerEntry {
  const here = path.dirname(fileURLToPath(import.meta.url))
  if (import.meta.url.endsWith('.ts')) return { file: path.resolve(here, '../../worker/index.ts'), execArgv: ['--import', 'tsx'] }
  for (const candidate of [path.join(here, 'worker.js'), path.join(here, '..', 'worker.js')]) {
    if (fs.existsSync(candidate)) return { file: candidate, execArgv: [] }
  }
  throw new Error(`The worker entry (worker.js) is missing beside ${here}: rebuild Warden (npm run build)`)
}

class ForkedChild implements WorkerChild {
  private readonly output: WorkerOutput
  constructor(private readonly child: ChildProcess) {
    // llama.cpp writes to stderr (node-llama-cpp's notes also to stdout): captured, never mixed into ours.
    this.output = new WorkerOutput(child)
    // A failed spawn or send also ends in 'exit', which reports it; without a listener it would throw.
    child.on('error', (error) => log.warn(`Worker process ${child.pid ?? '(not started)'}: ${error.message}`, { err: error }))
  }
  outputTail(): string {
    return this.output.outputTail()
  }
  onOutput(listener: (stream: 'stdout' | 'stderr', text: string) => void): void {
    this.output.onOutput(listener)
  }
  get pid() {
    return this.child.pid
  }
  send(message: ToWorker): void {
    if (this.child.connected) this.child.send(message)
  }
  onMessage(listener: (message: WorkerReply) => void): void {
    this.child.on('message', (m) => listener(m as WorkerReply))
  }
  onExit(listener: (code: number | null, signal: string | null) => void): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) queueMicrotask(() => listener(this.child.exitCode, this.child.signalCode))
    else this.child.once('exit', (code, signal) => listener(code, signal))
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal)
  }
}

export class ForkLauncher implements WorkerLauncher {
  readonly kind = 'fork' as const
  constructor(private readonly entry: WorkerEntry = resolveWorkerEntry()) {}

  launch(options: LaunchOptions): WorkerChild {
    const child = fork(this.entry.file, workerArgs(options.name), {
      execArgv: [...this.entry.execArgv, `--max-old-space-size=${options.maxOldSpaceMb}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, WARDEN_WORKER: options.name },
    })
    return new ForkedChild(child)
  }
}
